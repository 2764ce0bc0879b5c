#!/usr/bin/env bash
# `make demo`: the collector on the embedded default (SQLite), this machine enrolled and its inventory sent,
# then the administrator's view. Everything lives in a temporary directory removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$PWD/.venv/bin"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/footprint-demo.XXXXXX")"
PORT="$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export FOOTPRINT_DATA="$WORK/collector" FOOTPRINT_SERVER="http://127.0.0.1:$PORT"
export FOOTPRINT_STATE_DIR="$WORK/agent" FOOTPRINT_CONFIG="$WORK/no-client-config.toml"
SERVER_PID=""

cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" && wait "$SERVER_PID" 2>/dev/null || true
        echo "== collector stopped"
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

secret_of() { "$BIN/python" -c 'import json, sys; print(json.load(sys.stdin)["secret"])'; }

echo "== footprint serve on $FOOTPRINT_SERVER (embedded SQLite in $FOOTPRINT_DATA)"
"$BIN/footprint" serve --port "$PORT" >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
    if "$BIN/python" -c "import urllib.request as u; u.urlopen('$FOOTPRINT_SERVER/healthz', timeout=1)" 2>/dev/null; then
        break
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then cat "$WORK/serve.log"; exit 1; fi
    sleep 0.2
done

echo "== footprint tokens create --kind enroll --expires 1h --tag dept=demo"
ENROLL_SECRET="$("$BIN/footprint" tokens create --kind enroll --expires 1h --tag dept=demo -o json | secret_of)"
FOOTPRINT_TOKEN="$("$BIN/footprint" tokens create --kind admin --read-only --expires 1h -o json | secret_of)"
export FOOTPRINT_TOKEN

if "$BIN/footprint-agent" enroll --help >/dev/null 2>&1 && "$BIN/footprint-agent" send --help >/dev/null 2>&1; then
    echo "== footprint-agent enroll + send"
    env -u FOOTPRINT_CONFIG "$BIN/footprint-agent" enroll --server "$FOOTPRINT_SERVER" --secret "$ENROLL_SECRET"
    env -u FOOTPRINT_CONFIG "$BIN/footprint-agent" send
else
    echo "== footprint-agent collect, then enroll and send over the protocol (docs/protocol.md)"
    "$BIN/footprint-agent" collect -o "$WORK/report.json"
    ENROLL_SECRET="$ENROLL_SECRET" "$BIN/python" - "$WORK/report.json" <<'PY'
import gzip, json, os, sys, urllib.request

server, report = os.environ["FOOTPRINT_SERVER"], json.load(open(sys.argv[1], encoding="utf-8"))

def post(path, body, key=None, gzipped=False):
    data = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    if gzipped:
        data, headers["Content-Encoding"] = gzip.compress(data), "gzip"
    with urllib.request.urlopen(urllib.request.Request(server + path, data, headers)) as answer:
        return json.load(answer)

host = report["host"]
enrolled = post("/api/v1/enroll", {"secret": os.environ["ENROLL_SECRET"], "host_id": host["id"],
                                   "hostname": host["hostname"]})
key = enrolled["host_key"]
checkin = post("/api/v1/checkin", {"host_id": host["id"], "inventory_hash": report["inventory_hash"]}, key)
sent = post("/api/v1/reports", report, key, gzipped=True)
again = post("/api/v1/checkin", {"host_id": host["id"], "inventory_hash": report["inventory_hash"]}, key)
print(f"enrolled {host['hostname']}; check-in asked for a full report: {checkin['full_report']}; "
      f"report of {len(report['software'])} items accepted: {sent['accepted']}; "
      f"next check-in asks again: {again['full_report']} (in {again['next_checkin_seconds']} s)")
PY
fi

HOST_ID="$("$BIN/footprint" hosts -o json | "$BIN/python" -c 'import json, sys; print(json.load(sys.stdin)["hosts"][0]["id"])')"
echo "== footprint hosts"
"$BIN/footprint" hosts
echo "== footprint host $HOST_ID (first 25 lines)"
"$BIN/footprint" host "$HOST_ID" >"$WORK/host.txt"
head -n 25 "$WORK/host.txt"
echo "== footprint summary (this machine, as the compliance officer sees the fleet)"
"$BIN/footprint" summary

#!/usr/bin/env bash
# `make demo`: the collector on the embedded default (SQLite), this machine enrolled and its inventory sent,
# then the administrator's view. Everything lives in a temporary directory removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$PWD/.venv/bin"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/footprint-demo.XXXXXX")"
PORT="$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export FOOTPRINT_DATA="$WORK/collector" FOOTPRINT_SERVER="http://127.0.0.1:$PORT"
export FOOTPRINT_STATE_DIR="$WORK/agent" FOOTPRINT_CLIENT_CONFIG="$WORK/no-client-config.toml"
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

echo "== footprint-agent enroll, footprint-agent send"
FOOTPRINT_ENROLL_SECRET="$ENROLL_SECRET" "$BIN/footprint-agent" enroll --server "$FOOTPRINT_SERVER"
"$BIN/footprint-agent" send

HOST_ID="$("$BIN/footprint" hosts -o json | "$BIN/python" -c 'import json, sys; print(json.load(sys.stdin)["hosts"][0]["id"])')"
echo "== footprint hosts"
"$BIN/footprint" hosts
echo "== footprint host $HOST_ID (first 25 lines)"
"$BIN/footprint" host "$HOST_ID" >"$WORK/host.txt"
head -n 25 "$WORK/host.txt"
echo "== footprint summary (this machine, as the compliance officer sees the fleet)"
"$BIN/footprint" summary

"""Load test: a real `footprint serve` on loopback under a bounded-duration mix of check-ins and reports.

Sender processes, each with its own hosts and keep-alive connection, loop until the time is up: mostly
unchanged check-ins, and every `--report-every`-th call a new report of a host whose software drifted.
Prints the rate and latency (median, 99th percentile) of each kind and every error by status; a healthy
collector shows 0 errors. Usage:

    python bench/load.py [--seconds 60] [--senders 4] [--hosts 40] [--workers 1]
    python bench/load.py --db postgresql://postgres@127.0.0.1:5432/load
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Dict, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import ingest as fleet  # noqa: E402  (bench/ingest.py: synthetic reports, collector process, enrollment)


def _sender(args) -> Dict[str, object]:
    """One process: its hosts' check-ins and reports until `deadline` (a time.time() value)."""
    port, hosts, deadline, report_every, seed = args
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    software = {host_id: fleet.linux_software(rng, 300) for host_id, _ in hosts}
    hashes = {}
    latencies: Dict[str, List[float]] = {"checkin": [], "report": []}
    errors: Counter = Counter()
    calls = 0
    while time.time() < deadline:
        host_id, key = hosts[calls % len(hosts)]
        calls += 1
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        if host_id not in hashes or calls % report_every == 0:
            software[host_id] = [dict(s, version=s["version"] + "b") if rng.random() < 0.05 else s
                                 for s in software[host_id]]
            report = fleet.make_report(host_id, True, software[host_id])
            hashes[host_id] = report["inventory_hash"]
            kind, path, body = "report", "/api/v1/reports", gzip.compress(json.dumps(report).encode())
            headers["Content-Encoding"] = "gzip"
        else:
            kind, path = "checkin", "/api/v1/checkin"
            body = json.dumps({"host_id": host_id, "inventory_hash": hashes[host_id]}).encode()
        start = time.perf_counter()
        try:
            conn.request("POST", path, body=body, headers=headers)
            answer = conn.getresponse()
            answer.read()
            status = answer.status
        except OSError as exc:
            status = type(exc).__name__
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        if status == 200:
            latencies[kind].append(time.perf_counter() - start)
        else:
            errors[f"{kind} {status}"] += 1
    return {"latencies": latencies, "errors": errors}


def run(db_url: str, seconds: float, senders: int, hosts: int, workers: int, report_every: int) -> Tuple:
    fleet.footprint("db", "upgrade", "--db", db_url)
    secret = json.loads(fleet.footprint("tokens", "create", "--kind", "enroll", "-o", "json", "--db", db_url).stdout)
    process, port = fleet.start_collector(db_url, workers)
    try:
        enrolled = fleet.enroll(port, secret["secret"], hosts)
        deadline = time.time() + seconds
        jobs = [(port, enrolled[i::senders], deadline, report_every, i) for i in range(senders)]
        with ProcessPoolExecutor(senders) as pool:
            results = list(pool.map(_sender, jobs))
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="postgresql://… (a database this script may create; default: SQLite)")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--hosts", type=int, default=40)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--report-every", type=int, default=10, help="one call in N is a new report")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="footprint-bench-load-") as tmp:
        db_url = args.db or f"sqlite:///{tmp}/footprint.db"
        if args.db:
            fleet._create_database(args.db, args.db)
        results = run(db_url, args.seconds, args.senders, args.hosts, args.workers, args.report_every)
        if args.db:
            fleet._drop_database(args.db, args.db)
    backend = "PostgreSQL" if args.db else "SQLite"
    print(f"load test, {backend}: {args.seconds:.0f} s, {args.senders} senders, {args.hosts} hosts, "
          f"{args.workers} worker(s), one report in {args.report_every} calls, {os.cpu_count()} CPUs")
    errors: Counter = Counter()
    for result in results:
        errors.update(result["errors"])
    for kind in ("checkin", "report"):
        latencies = sorted(x for r in results for x in r["latencies"][kind])
        if not latencies:
            print(f"  {kind:8s} none answered")
            continue
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        median = statistics.median(latencies) * 1000
        print(f"  {kind + 's':9s} {len(latencies) / args.seconds:8.1f}/s  median {median:6.1f} ms"
              f"  p99 {p99 * 1000:7.1f} ms  ({len(latencies)} answered 200)")
    print(f"  errors    {sum(errors.values())}" + "".join(f"\n    {k}: {n}" for k, n in sorted(errors.items())))


if __name__ == "__main__":
    main()

"""Crash safety: SIGKILL a real `footprint serve` again and again while agents send reports, then count.

Hosts send their reports in order, each kept until the collector acknowledges it and resent after any
failure (as the agent's spool does), while the collector's whole process group is SIGKILLed at random moments
mid-ingest and restarted. Afterwards, from the database: reports lost (acknowledged but not stored),
reports double-counted (the reports counter or an install event counted twice), hosts whose software is not
their last report's, and maintained aggregates that differ from a rebuild from links and events. Every figure
must be 0. Loopback only. Usage:

    python bench/sigkill.py [--kills 24] [--hosts 24] [--reports 10]
    python bench/sigkill.py --db postgresql://postgres@127.0.0.1:5432/sigkill
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import ingest as fleet  # noqa: E402  (bench/ingest.py: synthetic reports, collector process, enrollment)

RETRY_PAUSE = 0.2
SEND_TIMEOUT = 60


def report_series(host_id: str, count: int, rng: random.Random) -> List[dict]:
    """A host's successive reports: the package list drifts between them (installs, removals, upgrades)."""
    software = fleet.linux_software(rng, 400)
    series = []
    for _ in range(count):
        software = [dict(s, version=s["version"] + "a") if rng.random() < 0.05 else s for s in software
                    if rng.random() > 0.02]
        series.append(fleet.make_report(host_id, True, software))
        time.sleep(0.002)  # collected_at strictly increasing
    return series


class Sender(threading.Thread):
    """One host: each report is resent until acknowledged, like the agent's spool."""

    def __init__(self, port: Dict[str, int], key: str, reports: List[dict]):
        super().__init__(daemon=True)
        self.port, self.key, self.reports = port, key, reports
        self.acknowledged: List[str] = []
        self.retries = 0

    def run(self) -> None:
        import http.client

        for report in self.reports:
            body = gzip.compress(json.dumps(report).encode())
            headers = {"Authorization": f"Bearer {self.key}", "Content-Type": "application/json",
                       "Content-Encoding": "gzip"}
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port["port"], timeout=SEND_TIMEOUT)
                    conn.request("POST", "/api/v1/reports", body=body, headers=headers)
                    answer = conn.getresponse()
                    answer.read()
                    conn.close()
                    if answer.status == 200:
                        self.acknowledged.append(report["report_id"])
                        break
                    if answer.status < 500 and answer.status not in (408, 429):
                        raise SystemExit(f"report refused with {answer.status}: the benchmark is wrong")
                except OSError:
                    pass
                self.retries += 1
                time.sleep(RETRY_PAUSE)


def run(db_url: str, kills: int, hosts: int, reports: int, seed: int) -> Dict[str, int]:
    rng = random.Random(seed)
    fleet.footprint("db", "upgrade", "--db", db_url)
    secret = json.loads(fleet.footprint("tokens", "create", "--kind", "enroll", "-o", "json", "--db", db_url).stdout)
    process, port = fleet.start_collector(db_url, 1)
    where = {"port": port}
    enrolled = fleet.enroll(port, secret["secret"], hosts)
    series = {host_id: report_series(host_id, reports, rng) for host_id, _ in enrolled}
    senders = [Sender(where, key, series[host_id]) for host_id, key in enrolled]
    for sender in senders:
        sender.start()
    done = 0
    try:
        while done < kills and any(s.is_alive() for s in senders):
            time.sleep(rng.uniform(0.2, 1.2))
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            done += 1
            process, where["port"] = fleet.start_collector(db_url, 1)  # a new port if the old one is held
        for sender in senders:
            sender.join(timeout=900)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait()
    sent = {host_id: [r["report_id"] for r in series[host_id]] for host_id, _ in enrolled}
    last = {host_id: series[host_id][-1] for host_id, _ in enrolled}
    figures = check(db_url, sent, last, [s.acknowledged for s in senders])
    figures.update(kills=done, reports=hosts * reports, retries=sum(s.retries for s in senders),
                   unfinished=sum(s.is_alive() for s in senders))
    return figures


def check(db_url: str, sent: Dict[str, List[str]], last: Dict[str, dict], acked: List[List[str]]) -> Dict[str, int]:
    from sqlalchemy import case, func, select

    from server.store import aggregates
    from server.store.db import make_engine
    from server.store.tables import (
        class_totals,
        counters,
        host_classes,
        host_software,
        reports_seen,
        software_events,
        software_titles,
        title_key,
    )

    engine = make_engine(fleet._sqlalchemy_url(db_url))
    figures = {"lost": 0, "double_counted": 0, "wrong_software": 0, "aggregate_rows_off": 0}
    with engine.begin() as conn:
        rows = conn.execute(select(reports_seen.c.host_id, reports_seen.c.report_id))
        seen = {(r.host_id, r.report_id) for r in rows}
        acknowledged = {report_id for ids in acked for report_id in ids}
        for host_id, ids in sent.items():
            figures["lost"] += sum(1 for i in ids if i in acknowledged and (host_id, i) not in seen)
        total = conn.execute(select(func.sum(counters.c.value)).where(
            counters.c.name == "footprint_reports_total")).scalar() or 0
        figures["double_counted"] += abs(int(total) - len(seen))
        # Each (host, title, user) has had at most one more install than removals, and exactly one if linked.
        balance = conn.execute(
            select(software_events.c.host_id, software_events.c.title_id, software_events.c.username,
                   func.sum(case((software_events.c.kind == "install", 1), else_=-1)))
            .group_by(software_events.c.host_id, software_events.c.title_id, software_events.c.username)
        ).all()
        linked = {(r.host_id, r.title_id, r.username) for r in conn.execute(
            select(host_software.c.host_id, host_software.c.title_id, host_software.c.username))}
        figures["double_counted"] += sum(1 for h, t, u, n in balance if n != (1 if (h, t, u) in linked else 0))
        keys = dict(conn.execute(select(software_titles.c.id, software_titles.c.title_key)).all())
        for host_id, report in last.items():
            want = {title_key(s["name"], s["version"], s["source"], s.get("publisher"), s.get("arch"), s.get("id"))
                    for s in report["software"]}
            have = {keys[t] for h, t, _ in linked if h == host_id}
            figures["wrong_software"] += want != have
        maintained = [sorted(tuple(r) for r in conn.execute(select(t))) for t in (class_totals, host_classes)]
        aggregates.rebuild(conn)
        rebuilt = [sorted(tuple(r) for r in conn.execute(select(t))) for t in (class_totals, host_classes)]
        figures["aggregate_rows_off"] = sum(len(set(a) ^ set(b)) for a, b in zip(maintained, rebuilt))
        conn.rollback()
    engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="postgresql://… (a database this script may create; default: SQLite)")
    parser.add_argument("--kills", type=int, default=24)
    parser.add_argument("--hosts", type=int, default=24)
    parser.add_argument("--reports", type=int, default=10, help="reports per host")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="footprint-bench-sigkill-") as tmp:
        db_url = args.db or f"sqlite:///{tmp}/footprint.db"
        if args.db:
            fleet._create_database(args.db, args.db)
        started = time.monotonic()
        figures = run(db_url, args.kills, args.hosts, args.reports, args.seed)
        if args.db:
            fleet._drop_database(args.db, args.db)
    backend = "PostgreSQL" if args.db else "SQLite"
    print(f"SIGKILL test, {backend}: {figures['kills']} SIGKILLs of footprint serve mid-ingest, "
          f"{figures['reports']} reports from {args.hosts} hosts, {figures['retries']} failed attempts resent, "
          f"{time.monotonic() - started:.0f} s")
    for name in ("lost", "double_counted", "wrong_software", "aggregate_rows_off", "unfinished"):
        print(f"  {name.replace('_', ' '):22s} {figures[name]:6d}   (must be 0)")
    if any(figures[n] for n in ("lost", "double_counted", "wrong_software", "aggregate_rows_off", "unfinished")):
        raise SystemExit(1)


if __name__ == "__main__":
    main()

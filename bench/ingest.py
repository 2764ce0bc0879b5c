"""Collector ingest benchmark: a synthetic fleet sent through real HTTP to a real `footprint serve`.

Prints new reports/s (Linux workstations, ~1,500 packages), new Windows reports/s (~150 programs),
unchanged check-ins/s, and the floor: the same rows written by a bare SQLAlchemy executemany in one
process, with the ratio. Targets (2-core machine, SQLite): >= 150 new 1,500-item reports/s,
>= 1,000 check-ins/s, full ingest <= 3x the floor.

    python bench/ingest.py                       # embedded SQLite in a temporary data dir
    python bench/ingest.py --db postgresql://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agent.contract import inventory_hash  # noqa: E402

WORDS = "core util net font gtk qt ssl xml audio video print media python perl ruby java".split()


def linux_software(rng: random.Random, size: int = 1500) -> List[dict]:
    """A Debian workstation: a shared base with per-host drift in mix and versions."""
    items = []
    for i in range(int(size * 1.03)):
        if rng.random() < 0.03:
            continue
        name = f"lib{WORDS[i % len(WORDS)]}{i:04d}"
        patch = rng.choice((1, 1, 1, 1, 2, 3))
        items.append(
            {
                "name": name,
                "version": f"{i % 9}.{i % 17}.{patch}-{i % 5}+deb12u{patch}",
                "source": "deb",
                "publisher": f"Debian {WORDS[i % len(WORDS)].title()} Maintainers <pkg-{i % 40}@debian.org>",
                "arch": "amd64" if i % 11 else "all",
                "id": name,
                "scope": "system",
                "install_date": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00Z",
                "extra": {"source_package": name, "section": WORDS[(i * 7) % len(WORDS)]},
            }
        )
    return items[:size]


def windows_software(rng: random.Random, size: int = 150) -> List[dict]:
    """A Windows office machine: Uninstall-key programs, some per-user."""
    items = []
    for i in range(size + 10):
        if rng.random() < 0.06:
            continue
        name = f"Office Program {i:03d} ({'x64' if i % 3 else 'x86'})"
        item = {
            "name": name,
            "version": f"{10 + i % 7}.{rng.choice((0, 0, 1))}.{i * 37 % 9000}",
            "source": "windows",
            "publisher": f"Vendor {i % 45} Corporation",
            "arch": "x64" if i % 3 else "x86",
            "id": "{" + str(uuid.UUID(int=i + 10**30)).upper() + "}",
            "scope": "system",
            "install_date": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}",
            "location": f"C:\\Program Files\\Vendor {i % 45}\\Program {i}",
        }
        if i % 10 == 0:
            item.update(scope="user", user=f"user{i % 4}")
        items.append(item)
    return items[:size]


def make_report(host_id: str, linux: bool, software: List[dict]) -> dict:
    report = {
        "schema": "footprint.report/1",
        "report_id": str(uuid.uuid4()),
        "collected_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "agent": {"name": "footprint-agent", "version": "0.1.0", "duration_ms": 400},
        "host": {
            "id": host_id,
            "id_source": "machine-id" if linux else "MachineGuid",
            "hostname": f"{'ws' if linux else 'office'}-{host_id[:8]}",
            "os": {"family": "linux", "name": "Debian GNU/Linux", "version": "12", "distro_id": "debian"}
            if linux
            else {"family": "windows", "name": "Windows 11 Pro", "version": "10.0.22631", "build": "22631"},
        },
        "hardware": {"cpu_model": "Intel(R) Core(TM) i5-8250U", "cpu_cores": 4, "memory_bytes": 8 << 30},
        "network": {"interfaces": [{"name": "eth0", "mac": "52:54:00:12:34:56", "addresses": ["10.0.0.5/24"]}]},
        "software": software,
    }
    report["inventory_hash"] = inventory_hash(report)
    return report


# --- the collector process ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def footprint(*args: str, env=None, **kw) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", "from server.cli import main; main()", *args]
    return subprocess.run(command, check=True, capture_output=True, text=True, env=env, **kw)


def start_collector(db_url: str, workers: int) -> Tuple[subprocess.Popen, int]:
    port = free_port()
    command = [sys.executable, "-c", "from server.cli import main; main()", "serve"]
    command += ["--db", db_url, "--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    for _ in range(600):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return process, port
        except OSError:
            time.sleep(0.1)
    os.killpg(process.pid, signal.SIGTERM)
    raise SystemExit("footprint serve did not start")


# --- senders (separate processes, keep-alive connections) -----------------------------------------


def _send_batch(args) -> List[float]:
    port, path, jobs = args
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    latencies = []
    for key, body, gzipped in jobs:
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        if gzipped:
            headers["Content-Encoding"] = "gzip"
        start = time.perf_counter()
        conn.request("POST", path, body=body, headers=headers)
        answer = conn.getresponse()
        payload = answer.read()
        if answer.status != 200:
            raise RuntimeError(f"{path}: {answer.status} {payload[:300]!r}")
        latencies.append(time.perf_counter() - start)
    return latencies


def send(port: int, path: str, jobs: list, senders: int) -> Tuple[float, List[float]]:
    """Send `jobs` over `senders` processes; wall time and per-request latencies."""
    slices = [(port, path, jobs[i::senders]) for i in range(senders)]
    with ProcessPoolExecutor(senders) as pool:
        list(pool.map(_send_batch, [(port, path, [])] * senders))  # warm the pool up
        start = time.perf_counter()
        results = list(pool.map(_send_batch, slices))
        wall = time.perf_counter() - start
    return wall, [x for r in results for x in r]


# --- the floor: the same rows, bare executemany in one process ------------------------------------


def floor_seconds(db_url: str, reports: List[dict]) -> float:
    """Insert the titles, host rows, host_software and event rows of `reports` with executemany."""
    from sqlalchemy import select

    from server.store.db import make_engine
    from server.store.migrate import upgrade
    from server.store.tables import host_software, hosts, software_events, software_titles, title_key

    engine = make_engine(db_url)
    upgrade(engine)
    now = datetime.now(timezone.utc)
    titles, links, host_rows = {}, [], []
    for report in reports:
        host_id = "floor-" + report["host"]["id"]
        host_rows.append({"id": host_id, "hostname": report["host"]["hostname"], "first_seen": now, "last_seen": now})
        for item in report["software"]:
            key = title_key(
                item["name"], item["version"], item["source"], item.get("publisher"), item.get("arch"), item.get("id")
            )
            titles.setdefault(key, item)
            links.append(
                (
                    host_id,
                    key,
                    item.get("user") or "",
                    item.get("scope"),
                    item.get("install_date"),
                    item.get("location"),
                )
            )
    start = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(hosts.insert(), host_rows)
        conn.execute(
            software_titles.insert(),
            [
                {
                    "title_key": k,
                    "name": i["name"],
                    "version": i["version"],
                    "source": i["source"],
                    "publisher": i.get("publisher"),
                    "arch": i.get("arch"),
                    "package_id": i.get("id"),
                    "first_seen": now,
                }
                for k, i in titles.items()
            ],
        )
        ids = dict(conn.execute(select(software_titles.c.title_key, software_titles.c.id)).all())
        link_rows = [
            {"host_id": h, "title_id": ids[k], "username": u, "scope": s, "install_date": d, "location": loc}
            for h, k, u, s, d, loc in links
        ]
        conn.execute(host_software.insert(), link_rows)
        conn.execute(
            software_events.insert(),
            [
                {
                    "host_id": r["host_id"],
                    "title_id": r["title_id"],
                    "username": r["username"],
                    "kind": "install",
                    "at": now,
                    "initial": True,
                }
                for r in link_rows
            ],
        )
    elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed


# --- the run ------------------------------------------------------------------------------------


def enroll(port: int, secret: str, count: int) -> List[Tuple[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    hosts = []
    for _ in range(count):
        host_id = hashlib.sha256(uuid.uuid4().bytes).hexdigest()[:32]
        body = json.dumps({"secret": secret, "host_id": host_id, "hostname": f"h-{host_id[:8]}"})
        conn.request("POST", "/api/v1/enroll", body=body, headers={"Content-Type": "application/json"})
        answer = conn.getresponse()
        hosts.append((host_id, json.loads(answer.read())["host_key"]))
    return hosts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="postgresql://… (default: embedded SQLite in a temporary directory)")
    parser.add_argument("--linux-hosts", type=int, default=300)
    parser.add_argument("--windows-hosts", type=int, default=300)
    parser.add_argument("--checkins", type=int, default=6000)
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="footprint-bench-")
    db_url = args.db or f"sqlite:///{tmp.name}/footprint.db"
    floor_url = (args.db + "_floor") if args.db else f"sqlite:///{tmp.name}/floor.db"
    footprint("db", "upgrade", "--db", db_url)
    secret = footprint("tokens", "create", "--kind", "enroll", "-o", "json", "--db", db_url).stdout
    secret = json.loads(secret)["secret"]
    process, port = start_collector(db_url, args.workers)
    rng = random.Random(42)
    try:
        linux = enroll(port, secret, args.linux_hosts)
        windows = enroll(port, secret, args.windows_hosts)
        linux_reports = [make_report(h, True, linux_software(rng)) for h, _ in linux]
        windows_reports = [make_report(h, False, windows_software(rng)) for h, _ in windows]

        def jobs(hosts, reports):
            return [(key, gzip.compress(json.dumps(r).encode(), 6), True) for (_, key), r in zip(hosts, reports)]

        linux_wall, linux_lat = send(port, "/api/v1/reports", jobs(linux, linux_reports), args.senders)
        win_wall, win_lat = send(port, "/api/v1/reports", jobs(windows, windows_reports), args.senders)
        every = list(zip(linux + windows, linux_reports + windows_reports))
        checkins = [
            (
                key,
                json.dumps({"host_id": h, "inventory_hash": r["inventory_hash"], "agent_version": "0.1.0"}).encode(),
                False,
            )
            for (h, key), r in (every[i % len(every)] for i in range(args.checkins))
        ]
        check_wall, check_lat = send(port, "/api/v1/checkin", checkins, args.senders * 2)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait()

    if args.db:
        _create_database(args.db, floor_url)
    floor = floor_seconds(_sqlalchemy_url(floor_url), linux_reports)
    if args.db:
        _drop_database(args.db, floor_url)
    backend = "PostgreSQL" if args.db else "SQLite (embedded)"
    print(
        f"collector ingest benchmark — {backend}, {args.workers} workers, {args.senders} senders, {os.cpu_count()} CPUs"
    )
    print(
        f"new Linux reports (~1,500 items): {len(linux) / linux_wall:8.1f} reports/s "
        f"(median latency {statistics.median(linux_lat) * 1000:.0f} ms)   target >= 150"
    )
    print(
        f"new Windows reports (~150 items): {len(windows) / win_wall:8.1f} reports/s "
        f"(median latency {statistics.median(win_lat) * 1000:.0f} ms)"
    )
    print(
        f"unchanged check-ins:              {len(checkins) / check_wall:8.1f} check-ins/s "
        f"(median latency {statistics.median(check_lat) * 1000:.1f} ms)   target >= 1000"
    )
    print(f"floor (same rows, bare executemany, one process): {len(linux) / floor:8.1f} reports/s")
    print(f"full ingest / floor: {linux_wall / floor:.1f}x   target <= 3x")
    tmp.cleanup()


def _sqlalchemy_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


def _admin_engine(url: str):
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    server = make_url(_sqlalchemy_url(url)).set(database="postgres")
    return create_engine(server, isolation_level="AUTOCOMMIT")


def _create_database(base: str, floor_url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    name = make_url(_sqlalchemy_url(floor_url)).database
    with _admin_engine(base).connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))


def _drop_database(base: str, floor_url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    name = make_url(_sqlalchemy_url(floor_url)).database
    with _admin_engine(base).connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()

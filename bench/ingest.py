"""Collector ingest benchmark: a synthetic fleet sent through real HTTP to real `footprint serve` processes.

Prints new reports/s (Linux workstations, ~1,500 packages), new Windows reports/s (~150 programs), unchanged
check-ins/s, and beside them, in the same run, the physical floor: the same rows (titles upserted, host links,
install events) written by the bare driver in one process, one transaction per report, no HTTP, no validation
(sqlite3 executemany on SQLite; psycopg with COPY on PostgreSQL). Targets (2-core machine, SQLite): new 1,500-item
reports >= 1/3 of the floor; unchanged check-ins >= 1,000/s with 2 workers, median < 5 ms.

    python bench/ingest.py                                     # embedded SQLite in a temporary data dir
    python bench/ingest.py --db postgresql://postgres@127.0.0.1/bench [--collectors 2 --workers 1]
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
from typing import List, Optional, Tuple

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


def collector_cpu(collectors: List[Tuple[subprocess.Popen, int]]) -> float:
    """CPU seconds used so far by the collector processes and their workers: a figure the machine's load does
    not stretch, unlike the rates."""
    import psutil

    total = 0.0
    for process, _ in collectors:
        root = psutil.Process(process.pid)
        for proc in (root, *root.children(recursive=True)):
            times = proc.cpu_times()
            total += times.user + times.system
    return total


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


def send(ports: List[int], path: str, jobs: list, senders: int) -> Tuple[float, List[float]]:
    """Send `jobs` over `senders` processes (spread over the collectors); wall time and per-request latencies."""
    slices = [(ports[i % len(ports)], path, jobs[i::senders]) for i in range(senders)]
    with ProcessPoolExecutor(senders) as pool:
        list(pool.map(_send_batch, [(port, path, []) for port, _, _ in slices]))  # warm the pool up
        start = time.perf_counter()
        results = list(pool.map(_send_batch, slices))
        wall = time.perf_counter() - start
    return wall, [x for r in results for x in r]


# --- the floor: the same rows through the bare driver, one process, one transaction per report ---------


def floor_rows(reports: List[dict]) -> List[Tuple[str, list, list]]:
    """Per report: its host id, its title rows and its link rows, computed before the clock starts."""
    from server.store.tables import name_key, title_key

    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    out = []
    for report in reports:
        titles, links = [], []
        for item in report["software"]:
            key = title_key(item["name"], item["version"], item["source"], item.get("publisher"), item.get("arch"),
                            item.get("id"))
            titles.append((key, name_key(item["name"], item["source"], item.get("publisher")), item["name"],
                           item["version"], item["source"], item.get("publisher"), item.get("arch"), item.get("id"),
                           now))
            links.append((key, item.get("user") or "", item.get("scope"), item.get("install_date"),
                          item.get("location")))
        out.append(("floor-" + report["host"]["id"], titles, links))
    return out


TITLE_COLUMNS = "title_key, name_key, name, version, source, publisher, arch, package_id, first_seen"


def _floor_hosts(rows, marker: str) -> Tuple[str, list]:
    sql = f"INSERT INTO hosts (id, hostname, first_seen, last_seen) VALUES ({', '.join([marker] * 4)})"
    now = datetime.now(timezone.utc)
    return sql, [(host, host[:40], now, now) for host, _, _ in rows]


def sqlite_floor(path: str, rows) -> float:
    """Seconds for raw sqlite3 to store every report (same schema, same pragmas as the collector)."""
    import sqlite3

    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
        conn.execute(f"PRAGMA {pragma}")
    sql, params = _floor_hosts(rows, "?")
    conn.executemany(sql, [(h, n, a.isoformat(" "), b.isoformat(" ")) for h, n, a, b in params])
    started = time.perf_counter()
    for host, titles, links in rows:
        conn.execute("BEGIN IMMEDIATE")
        keys = [t[0] for t in titles]
        ids = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            ids.update(conn.execute(f"SELECT title_key, id FROM software_titles WHERE title_key IN "
                                    f"({', '.join('?' * len(chunk))})", chunk).fetchall())
        missing = [t for t in titles if t[0] not in ids]
        if missing:
            conn.executemany(f"INSERT INTO software_titles ({TITLE_COLUMNS}) VALUES ({', '.join('?' * 9)}) "
                             "ON CONFLICT (title_key) DO NOTHING", missing)
            for i in range(0, len(missing), 500):
                chunk = [t[0] for t in missing[i:i + 500]]
                ids.update(conn.execute(f"SELECT title_key, id FROM software_titles WHERE title_key IN "
                                        f"({', '.join('?' * len(chunk))})", chunk).fetchall())
        conn.executemany("INSERT INTO host_software (host_id, title_id, username, scope, install_date, location) "
                         "VALUES (?, ?, ?, ?, ?, ?)", [(host, ids[k], *rest) for k, *rest in links])
        at = titles[0][-1]
        conn.executemany("INSERT INTO software_events (host_id, title_id, username, kind, at, initial) "
                         "VALUES (?, ?, ?, 'install', ?, 1)", [(host, ids[k], u, at) for k, u, *_ in links])
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def postgres_floor(url: str, rows) -> float:
    """Seconds for raw psycopg to store every report: titles by executemany, links and events by COPY."""
    import psycopg

    with psycopg.connect(url) as conn:
        sql, params = _floor_hosts(rows, "%s")
        with conn.cursor() as cur:
            cur.executemany(sql, params)
        conn.commit()
        started = time.perf_counter()
        for host, titles, links in rows:
            with conn.transaction(), conn.cursor() as cur:
                keys = [t[0] for t in titles]
                cur.execute("SELECT title_key, id FROM software_titles WHERE title_key = ANY(%s)", (keys,))
                ids = dict(cur.fetchall())
                missing = [t for t in titles if t[0] not in ids]
                if missing:
                    cur.executemany(f"INSERT INTO software_titles ({TITLE_COLUMNS}) VALUES "
                                    f"({', '.join(['%s'] * 9)}) ON CONFLICT (title_key) DO NOTHING", missing)
                    cur.execute("SELECT title_key, id FROM software_titles WHERE title_key = ANY(%s)",
                                ([t[0] for t in missing],))
                    ids.update(cur.fetchall())
                at = datetime.now(timezone.utc)
                with cur.copy("COPY host_software (host_id, title_id, username, scope, install_date, location) "
                              "FROM STDIN") as copy:
                    for k, *rest in links:
                        copy.write_row((host, ids[k], *rest))
                with cur.copy("COPY software_events (host_id, title_id, username, kind, at, initial) "
                              "FROM STDIN") as copy:
                    for k, u, *_ in links:
                        copy.write_row((host, ids[k], u, "install", at, True))
        return time.perf_counter() - started


def floor_seconds(db_url: Optional[str], tmp: str, reports: List[dict], run: int) -> float:
    """The floor on a fresh database of the same kind (migrated like the collector's)."""
    from server.store.db import make_engine
    from server.store.migrate import upgrade

    rows = floor_rows(reports)
    if db_url:
        floor_url = f"{db_url}_floor{run}"
        _create_database(db_url, floor_url)
        engine = make_engine(_sqlalchemy_url(floor_url))
        upgrade(engine)
        engine.dispose()
        try:
            return postgres_floor(floor_url, rows)
        finally:
            _drop_database(db_url, floor_url)
    path = f"{tmp}/floor{run}.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return sqlite_floor(path, rows)


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
    parser.add_argument("--db", help="postgresql://… of an empty database (default: embedded SQLite, temporary)")
    parser.add_argument("--linux-hosts", type=int, default=300)
    parser.add_argument("--windows-hosts", type=int, default=300)
    parser.add_argument("--checkins", type=int, default=6000)
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--checkin-senders", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers per collector process")
    parser.add_argument("--collectors", type=int, default=1, help="footprint serve processes on the one database")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="footprint-bench-")
    db_url = args.db or f"sqlite:///{tmp.name}/footprint.db"
    load_before = os.getloadavg()[0]
    footprint("db", "upgrade", "--db", db_url)
    secret = footprint("tokens", "create", "--kind", "enroll", "-o", "json", "--db", db_url).stdout
    secret = json.loads(secret)["secret"]
    rng = random.Random(42)
    collectors = [start_collector(db_url, args.workers) for _ in range(args.collectors)]
    ports = [port for _, port in collectors]
    floors = []
    try:
        linux = enroll(ports[0], secret, args.linux_hosts)
        windows = enroll(ports[0], secret, args.windows_hosts)
        linux_reports = [make_report(h, True, linux_software(rng)) for h, _ in linux]
        windows_reports = [make_report(h, False, windows_software(rng)) for h, _ in windows]

        def jobs(hosts, reports):
            return [(key, gzip.compress(json.dumps(r).encode(), 6), True) for (_, key), r in zip(hosts, reports)]

        floors.append(floor_seconds(args.db, tmp.name, linux_reports, 1))
        linux_wall, linux_lat = send(ports, "/api/v1/reports", jobs(linux, linux_reports), args.senders)
        floors.append(floor_seconds(args.db, tmp.name, linux_reports, 2))
        win_wall, win_lat = send(ports, "/api/v1/reports", jobs(windows, windows_reports), args.senders)
        every = list(zip(linux + windows, linux_reports + windows_reports))
        checkins = [
            (
                key,
                json.dumps({"host_id": h, "inventory_hash": r["inventory_hash"], "agent_version": "0.1.0"}).encode(),
                False,
            )
            for (h, key), r in (every[i % len(every)] for i in range(args.checkins))
        ]
        cpu_before = collector_cpu(collectors)
        check_wall, check_lat = send(ports, "/api/v1/checkin", checkins, args.checkin_senders)
        check_cpu = (collector_cpu(collectors) - cpu_before) / len(checkins)
        floors.append(floor_seconds(args.db, tmp.name, linux_reports, 3))
    finally:
        for process, _ in collectors:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait()

    backend = "PostgreSQL" if args.db else "SQLite (embedded)"
    floor = statistics.median(floors)
    ours = len(linux) / linux_wall
    print(f"collector ingest benchmark — {backend}, {args.collectors} collector process(es) x {args.workers} "
          f"worker(s), {args.senders} senders, {os.cpu_count()} CPUs, load average {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after")
    print(f"new Linux reports (~1,500 items): {ours:8.1f} reports/s "
          f"(median latency {statistics.median(linux_lat) * 1000:.0f} ms)")
    print(f"new Windows reports (~150 items): {len(windows) / win_wall:8.1f} reports/s "
          f"(median latency {statistics.median(win_lat) * 1000:.0f} ms)")
    print(f"unchanged check-ins:              {len(checkins) / check_wall:8.1f} check-ins/s "
          f"(median latency {statistics.median(check_lat) * 1000:.1f} ms, {args.checkin_senders} senders)   "
          "target >= 1000, median < 5 ms")
    print(f"  collector CPU per check-in (every process, HTTP included): {check_cpu * 1e6:.0f} µs")
    driver = "psycopg, COPY" if args.db else "sqlite3"
    print(f"floor ({driver}, one process, one transaction per report, same rows): "
          f"{len(linux) / floor:8.1f} reports/s (median of {len(floors)}: "
          f"{', '.join(f'{len(linux) / f:.0f}' for f in floors)})")
    print(f"new 1,500-item reports / floor: {ours * floor / len(linux):.2f}   target >= 0.33")
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

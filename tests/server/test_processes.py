"""Real collector processes: killed with SIGKILL mid-ingest, and two of them sharing one PostgreSQL."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Dict, List

import pytest
import requests
from sqlalchemy import func, select

from server.store.tables import (
    host_software,
    hosts,
    raw_reports,
    reports_seen,
    software_events,
    software_titles,
)

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=timezone.utc)


def _workstation(rng: random.Random, size: int = 1500) -> List[dict]:
    """A Debian workstation's worth of packages; each call a slightly different mix and versions."""
    items = []
    for i in range(size):
        if rng.random() < 0.03:
            continue
        items.append(
            {
                "name": f"lib-pkg{i:04d}",
                "version": f"{i % 7}.{rng.choice((1, 1, 1, 2))}.{i % 13}-1+deb12u1",
                "source": "deb",
                "publisher": "Debian Maintainers <debian-devel@lists.debian.org>",
                "arch": "amd64",
                "id": f"lib-pkg{i:04d}",
            }
        )
    return items


def _series(make_report, host, rng, count: int) -> List[dict]:
    return [
        make_report(host, software=_workstation(rng), collected_at=T0 + timedelta(minutes=n))
        for n in range(count)
    ]


def _send(url: str, host, report: dict) -> int:
    answer = requests.post(f"{url}/api/v1/reports", json=report, headers=host.headers, timeout=120)
    return answer.status_code


def _inventory(conn, host_id: str) -> set:
    t = software_titles.c
    query = (
        select(t.name, t.version)
        .join(host_software, host_software.c.title_id == t.id)
        .where(host_software.c.host_id == host_id)
    )
    return set(conn.execute(query).all())


def _replayed(conn, host_id: str) -> set:
    e, t = software_events.c, software_titles.c
    balance: Dict[tuple, int] = {}
    query = (
        select(e.kind, t.name, t.version)
        .join(software_titles, t.id == e.title_id)
        .where(e.host_id == host_id)
        .order_by(e.id)
    )
    for kind, name, version in conn.execute(query):
        balance[(name, version)] = balance.get((name, version), 0) + (1 if kind == "install" else -1)
    assert set(balance.values()) <= {0, 1}
    return {k for k, v in balance.items() if v == 1}


def _assert_one_consistent_inventory(engine, host, reports: List[dict]) -> str:
    """The stored inventory is exactly one sent report's (the one its audit copy names)."""
    by_id = {r["report_id"]: r for r in reports}
    with engine.connect() as conn:
        stored = _inventory(conn, host.host_id)
        audit = conn.execute(
            select(raw_reports.c.report_id).where(raw_reports.c.host_id == host.host_id)
        ).scalar()
        count, stored_hash = conn.execute(
            select(hosts.c.software_count, hosts.c.inventory_hash).where(hosts.c.id == host.host_id)
        ).one()
        replayed = _replayed(conn, host.host_id)
    if audit is None:
        assert stored == set() and count == 0
        return ""
    expected = {(i["name"], i["version"]) for i in by_id[audit]["software"]}
    assert stored == expected == replayed and count == len(expected)
    assert stored_hash == by_id[audit]["inventory_hash"]
    return audit


def test_sigkill_mid_ingest_then_restart_leaves_consistent_inventories(
    db_url, engine, enroll, make_report, start_collector
):
    rng = random.Random(7)
    fleet = [enroll() for _ in range(4)]
    series = {h.host_id: _series(make_report, h, rng, 5) for h in fleet}
    collector = start_collector(db_url)
    accepted = threading.Semaphore(0)

    def send_all(host):
        for report in series[host.host_id]:
            try:
                if _send(collector.url, host, report) == 200:
                    accepted.release()
            except requests.exceptions.RequestException:
                return  # the collector died under us, as an agent would see it

    with ThreadPoolExecutor(len(fleet)) as pool:
        futures = [pool.submit(send_all, h) for h in fleet]
        for _ in range(6):
            accepted.acquire()
        collector.kill()  # other reports are in flight
        for f in futures:
            f.result()

    for host in fleet:
        _assert_one_consistent_inventory(engine, host, series[host.host_id])

    # restarted, the agents resend everything they hold: each report is stored once, newest wins
    collector = start_collector(db_url)
    for host in fleet:
        for report in series[host.host_id]:
            assert _send(collector.url, host, report) == 200
        assert _assert_one_consistent_inventory(engine, host, series[host.host_id]) == (
            series[host.host_id][-1]["report_id"]
        )
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(reports_seen)).scalar_one() == 20


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_collectors_on_one_postgresql_ingest_concurrently(
    db_url, engine, enroll, make_report, start_collector, admin_headers
):
    rng = random.Random(11)
    first, second = start_collector(db_url), start_collector(db_url)
    fleet = [enroll() for _ in range(6)]
    series = {h.host_id: _series(make_report, h, rng, 3) for h in fleet}
    jobs = []
    for host in fleet:
        for n, report in enumerate(series[host.host_id]):
            # every report goes through both collectors at once (a retry through the other one)
            jobs += [(first if n % 2 else second, host, report), (second if n % 2 else first, host, report)]
    rng.shuffle(jobs)
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda job: _send(job[0].url, job[1], job[2]), jobs))
    assert set(codes) == {200}

    for host in fleet:
        assert _assert_one_consistent_inventory(engine, host, series[host.host_id]) == (
            series[host.host_id][-1]["report_id"]
        )
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(reports_seen)).scalar_one() == 18
    metrics = requests.get(f"{first.url}/metrics", headers=admin_headers, timeout=30).text
    assert "footprint_reports_total 18\n" in metrics  # counted once across both processes


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_workers_stop_with_a_killed_master_and_the_port_is_free_again(db_url, engine, start_collector):
    """SIGKILL to the master alone (as an OOM kill does): its workers follow, so a restart can bind."""
    import os
    import signal
    import socket
    import time

    import psutil

    collector = start_collector(db_url, 2)
    port = int(collector.url.rsplit(":", 1)[1])
    master = psutil.Process(collector.process.pid)
    deadline = time.monotonic() + 60
    while len(master.children()) < 2 and time.monotonic() < deadline:  # multiprocessing's tracker is one more
        time.sleep(0.1)
    workers = [p for p in master.children() if "multiprocessing.spawn" in " ".join(p.cmdline())]
    assert len(workers) == 2
    os.kill(master.pid, signal.SIGKILL)
    collector.process.wait()
    _, alive = psutil.wait_procs(workers, timeout=30)
    for orphan in alive:
        orphan.kill()
    assert alive == [], "workers outlived their master"
    with socket.socket() as sock:  # what `footprint serve` does on the same port
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen()


def test_accepted_connections_have_nagle_off():
    """Responses go out as headers then body: with Nagle on, the body waits for the client's delayed ACK."""
    import socket

    from server.serving import listen

    with listen("127.0.0.1", 0) as server:
        server.listen()
        with socket.create_connection(server.getsockname()):
            accepted, _ = server.accept()
            with accepted:
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1


STUCK_REQUESTS = {  # the check-in is answered below FastAPI (server/api/checkin_path.py): the same guard holds
    "enroll": b"POST /api/v1/enroll HTTP/1.1\r\nHost: collector\r\nContent-Length: 1000\r\n\r\n{",
    "checkin": b"POST /api/v1/checkin HTTP/1.1\r\nHost: collector\r\nAuthorization: Bearer fph_x\r\n"
               b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{",
}


@pytest.mark.parametrize("call", sorted(STUCK_REQUESTS))
def test_a_stop_does_not_wait_forever_for_a_client_stuck_mid_request(sqlite_url, start_collector, call):
    """SIGTERM (systemctl stop) with a client that sent half a request: the collector closes it and exits."""
    import json
    import os
    import signal
    import socket
    import subprocess

    from server.serving import GRACEFUL_STOP_SECONDS
    from server.store.db import make_engine
    from server.store.migrate import upgrade

    upgrade(make_engine(sqlite_url))
    collector = start_collector(sqlite_url)
    host, port = collector.url.rsplit("//", 1)[1].rsplit(":", 1)
    with socket.create_connection((host, int(port))) as stuck:
        stuck.sendall(STUCK_REQUESTS[call])
        os.killpg(collector.process.pid, signal.SIGTERM)
        try:
            collector.process.wait(timeout=GRACEFUL_STOP_SECONDS + 50)  # a guard: without the limit it never ends
        except subprocess.TimeoutExpired:
            pytest.fail("footprint serve is still waiting for the stuck connection after SIGTERM")
        answer = stuck.recv(4096)  # the body never read: the agent's answer to resend later
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 503 ") and json.loads(body)["error"] == "stopping", answer
        assert b"\r\nretry-after: 30" in head.lower()
        assert stuck.recv(1) == b""  # and the connection closed
    log = collector.log.read_text()
    assert "Finished server process" in log and "Traceback" not in log

"""CPU per unchanged check-in inside one collector process, beside its floor, measured in the same run.

The check-in is the commonest call of all, and on a loaded machine its rate through real HTTP says more about
the machine than about the collector. CPU time per call does not: this script drives the real app through ASGI
on uvloop, as `footprint serve` runs it (every middleware, the check-in path or the route it refers to,
validation, the thread hand-off, the two statements and the commit — but no socket and no HTTP parser) and prints
its CPU time per check-in beside the floor, the same two statements and commit through the bare driver
(`store.ingest.checkin`). Medians of several rounds.

    python bench/checkin_cpu.py [--db postgresql://…] [--calls 3000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.app import create_app  # noqa: E402
from server.auth import hash_secret  # noqa: E402
from server.settings import Settings  # noqa: E402
from server.store import ingest  # noqa: E402
from server.store.credentials import create_token  # noqa: E402
from server.store.db import make_engine  # noqa: E402
from server.store.migrate import upgrade  # noqa: E402

HOST = "0a1b2c3d4e"
HASH = "0" * 64


def asgi_call(app, body: bytes, key: str):
    """One POST /api/v1/checkin as uvicorn would hand it to the app; returns the coroutine."""
    headers = [(b"host", b"collector"), (b"authorization", f"Bearer {key}".encode()),
               (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/api/v1/checkin", "raw_path": b"/api/v1/checkin", "query_string": b"", "root_path": "",
             "headers": headers, "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8443)}

    async def call() -> None:
        status = []

        async def receive():
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message):
            if message["type"] == "http.response.start":
                status.append(message["status"])

        await app(scope, receive, send)
        if status != [200]:
            raise SystemExit(f"check-in answered {status}")

    return call()


def _event_loop() -> asyncio.AbstractEventLoop:
    """uvloop where it is installed, as uvicorn picks it; asyncio's own loop elsewhere."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def cpu_per_call(run, calls: int) -> float:
    start = time.process_time()
    run(calls)
    return (time.process_time() - start) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="postgresql://… of an empty database (default: SQLite, temporary)")
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{tmp}/footprint.db"
        engine = make_engine(url)
        upgrade(engine)
        app = create_app(Settings(db_url=url, checkin_interval=600))
        secret = create_token(engine, "enroll", name="bench").secret
        from fastapi.testclient import TestClient

        with TestClient(app) as client:
            answer = client.post("/api/v1/enroll", json={"secret": secret, "host_id": HOST, "hostname": "bench"})
            key = answer.json()["host_key"]
        body = json.dumps({"host_id": HOST, "inventory_hash": HASH, "agent_version": "0.1.0"}).encode()
        loop = _event_loop()

        async def calls(n: int) -> None:
            for _ in range(n):
                await asgi_call(app, body, key)

        def through_app(n: int) -> None:
            # one long-lived loop, as in a uvicorn worker (anyio keeps its worker threads for the loop's root task)
            loop.run_until_complete(calls(n))

        def through_driver(n: int) -> None:
            key_hash = hash_secret(key)
            for _ in range(n):
                ingest.checkin(engine, key_hash, HOST, HASH, "0.1.0")

        through_app(200)
        through_driver(200)
        ours, floor = [], []
        for _ in range(args.rounds):
            ours.append(cpu_per_call(through_app, args.calls))
            floor.append(cpu_per_call(through_driver, args.calls))
        loop.close()
        app.state.engine.dispose()
        engine.dispose()
    ours_us, floor_us = statistics.median(ours) * 1e6, statistics.median(floor) * 1e6
    print(f"unchanged check-in CPU, {'PostgreSQL' if args.db else 'SQLite'}, median of {args.rounds} x {args.calls}")
    print(f"  through the app (ASGI, no socket):   {ours_us:7.0f} µs")
    print(f"  floor (the two statements, driver):  {floor_us:7.0f} µs")
    print(f"  ours / floor: {ours_us / floor_us:.1f}; CPU ceiling on 2 cores: {2e6 / ours_us:,.0f} check-ins/s "
          "(before HTTP parsing and the senders' own CPU)")


if __name__ == "__main__":
    main()

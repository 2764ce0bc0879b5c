"""Idle cost of `footprint-agent run`: resident memory and CPU between check-ins, and stop latency.

Starts a real collector (`footprint serve` on a temporary SQLite) and enrolls a temporary agent
state with it, or with --unreachable points the agent at a closed port. Once the service reports
its next cycle (it is then idle until the interval the collector set), samples its RSS and the CPU
time it uses over an idle window, then times SIGTERM to exit. The floor, measured in the same run,
is a bare Python interpreter sleeping. Targets (issue 6): RSS <= 30 MiB, CPU ~0, stop within ~1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

AGENT = [sys.executable, "-c", "from agent.cli import main; main()"]
MIB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_collector(work: Path) -> tuple:
    """A `footprint serve` on SQLite in `work`; its URL, an enrollment secret and the process."""
    db = f"sqlite:///{work / 'collector' / 'footprint.db'}"
    footprint = [sys.executable, "-c", "from server.cli import main; main()"]
    subprocess.run(footprint + ["db", "upgrade", "--db", db], check=True, capture_output=True)
    from server.store.credentials import create_token
    from server.store.db import make_engine

    engine = make_engine(db)
    secret = create_token(engine, "enroll", name="bench").secret
    engine.dispose()
    port = free_port()
    process = subprocess.Popen(footprint + ["serve", "--db", db, "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    import requests

    for _ in range(600):
        try:
            if requests.get(url + "/healthz", timeout=1).status_code == 200:
                return url, secret, process
        except requests.RequestException:
            time.sleep(0.1)
    raise SystemExit("footprint serve did not start")


def sample(process: psutil.Process, window: float, samples: int) -> tuple:
    """Median RSS and CPU seconds used across an idle window."""
    cpu_start = sum(process.cpu_times()[:2])
    rss = []
    for _ in range(samples):
        time.sleep(window / samples)
        rss.append(process.memory_info().rss)
    return statistics.median(rss), sum(process.cpu_times()[:2]) - cpu_start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window", type=float, default=10.0, help="idle seconds to measure")
    parser.add_argument("--unreachable", action="store_true", help="no collector: a closed port")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        collector = None
        if options.unreachable:
            url = f"http://127.0.0.1:{free_port()}"
        else:
            url, secret, collector = start_collector(work)
        (work / "agent.toml").write_text(f'server = "{url}"\nsplay = 0\nlog_level = "debug"\n')
        env = dict(os.environ, FOOTPRINT_CONFIG=str(work / "agent.toml"),
                   FOOTPRINT_STATE_DIR=str(work / "state"))
        if collector:
            subprocess.run(AGENT + ["enroll"], env=dict(env, FOOTPRINT_ENROLL_SECRET=secret),
                           check=True, capture_output=True)
        else:
            (work / "state").mkdir()
            (work / "state" / "host-key.json").write_text(json.dumps(
                {"server": url, "host_id": "bench", "host_key": "x", "enrolled_at": "now"}))
        agent = subprocess.Popen(AGENT + ["run"], env=env, stderr=subprocess.PIPE, text=True)
        for line in agent.stderr:  # the first cycle is over when the service says when the next is
            if "next cycle in" in line:
                break
        service = psutil.Process(agent.pid)
        rss, cpu = sample(service, options.window, 10)
        children = len(service.children())
        started = time.monotonic()
        agent.terminate()
        agent.wait()
        stop_ms = (time.monotonic() - started) * 1000

        floor = subprocess.Popen([sys.executable, "-c", "import time; print(flush=True); "
                                  "time.sleep(3600)"], stdout=subprocess.PIPE)
        floor.stdout.readline()  # started: measure it idle, as the agent
        floor_rss, floor_cpu = sample(psutil.Process(floor.pid), options.window, 10)
        floor.kill()
        floor.wait()
        if collector:
            collector.terminate()
            collector.wait()

    mode = "unreachable collector" if options.unreachable else "real collector"
    print(f"footprint-agent run, idle after one cycle ({mode}), {options.window:g} s window")
    print(f"  idle RSS        {rss / MIB:6.1f} MiB   (target <= 30 MiB; bare python floor "
          f"{floor_rss / MIB:.1f} MiB)")
    print(f"  idle CPU        {cpu * 1000:6.1f} ms    (target ~0; bare python floor "
          f"{floor_cpu * 1000:.1f} ms)")
    print(f"  child processes {children:6d}       (cycles run in a child that has exited)")
    print(f"  stop on SIGTERM {stop_ms:6.0f} ms    (target <= ~1000 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Real `footprint serve` processes for the tests that need real HTTP, real workers and real kills."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List

import pytest

READY_WAIT_SECONDS = 60  # a readiness wait on a loaded machine, not a performance assertion


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Collector:
    url: str
    process: subprocess.Popen
    log: Path

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, as when the machine loses power."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def _wait_ready(collector: Collector) -> None:
    import requests

    deadline = time.monotonic() + READY_WAIT_SECONDS
    while time.monotonic() < deadline:
        if collector.process.poll() is not None:
            pytest.fail(f"footprint serve exited: {collector.log.read_text()[-2000:]}")
        try:
            if requests.get(f"{collector.url}/healthz", timeout=2).status_code == 200:
                return
        except requests.exceptions.RequestException:
            pass
        time.sleep(0.1)
    collector.stop()
    pytest.fail(f"footprint serve did not answer /healthz: {collector.log.read_text()[-2000:]}")


@pytest.fixture
def start_collector(tmp_path) -> Callable[..., Collector]:
    """`start_collector(db_url, workers=1)`: a `footprint serve` subprocess on a free port."""
    started: List[Collector] = []

    def start(db_url: str, workers: int = 1, *extra: str) -> Collector:
        port = free_port()
        log = tmp_path / f"serve-{port}.log"
        command = [sys.executable, "-c", "from server.cli import main; main()", "serve"]
        command += ["--db", db_url, "--port", str(port), "--workers", str(workers), *extra]
        with log.open("wb") as out:
            process = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        collector = Collector(f"http://127.0.0.1:{port}", process, log)
        started.append(collector)
        _wait_ready(collector)
        return collector

    yield start
    for collector in started:
        collector.stop()

"""A real collector (`footprint serve` on SQLite) with an enrollment secret, and agent runs against it."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional

import pytest

GUARD = 120  # seconds a subprocess may take before the test gives up (not a measurement)


@dataclass
class LiveCollector:
    """A running collector, the secret that enrolls agents with it, and its database file."""

    url: str
    secret: str
    database: Path
    restart: Callable[[], LiveCollector]
    stop: Callable[[], None]
    ca: Optional[str] = None

    def reports_seen(self) -> List[str]:
        with sqlite3.connect(self.database) as db:
            return [row[0] for row in db.execute("SELECT report_id FROM reports_seen")]


def _live_collector(start_collector, sqlite_url: str, *extra: str) -> LiveCollector:
    from server.store.credentials import create_token
    from server.store.db import make_engine
    from server.store.migrate import upgrade

    engine = make_engine(sqlite_url)
    upgrade(engine)
    secret = create_token(engine, "enroll", name="agent service tests").secret
    engine.dispose()
    database = Path(sqlite_url.split("sqlite:///", 1)[1])

    def start() -> LiveCollector:
        collector = start_collector(sqlite_url, 1, *extra)
        return LiveCollector(collector.url, secret, database, start, collector.stop, collector.ca)

    return start()


@pytest.fixture
def live_collector(start_collector, sqlite_url) -> LiveCollector:
    return _live_collector(start_collector, sqlite_url)


@pytest.fixture
def tls_live_collector(start_collector, sqlite_url, make_certificate) -> LiveCollector:
    """The collector serving HTTPS itself (--tls-cert/--tls-key) with a self-signed certificate."""
    cert, key = make_certificate("collector")
    return _live_collector(start_collector, sqlite_url, "--tls-cert", cert, "--tls-key", key)


@pytest.fixture
def agent_env(tmp_path) -> Dict[str, str]:
    """Environment for an agent whose config and state live in the test's directory."""
    (tmp_path / "agent.toml").write_text("splay = 0\n")
    return dict(os.environ, FOOTPRINT_CONFIG=str(tmp_path / "agent.toml"),
                FOOTPRINT_STATE_DIR=str(tmp_path / "agent-state"))


@pytest.fixture
def agent_cli(agent_env) -> Callable[..., subprocess.CompletedProcess]:
    """`agent_cli("send")`: footprint-agent from this checkout, as a real process."""

    def run(*args: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", "from agent.cli import main; main()", *args],
                              env=dict(agent_env, **env), capture_output=True, text=True,
                              timeout=GUARD)

    return run

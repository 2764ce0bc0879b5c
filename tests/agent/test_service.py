"""`footprint-agent run` as a real process: sd_notify READY, SIGTERM during a send, SIGHUP reload."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading

import pytest

from agent import credentials
from agent.credentials import Credentials
from agent.spool import SUFFIX

GUARD = 60  # seconds a step may take before the test gives up (a hang guard, not a measurement)

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")


class RunningAgent:
    """`python -m agent.cli run` with its own config and state, NOTIFY_SOCKET and stderr captured."""

    def __init__(self, tmp_path, collector_url: str, config_text: str = "") -> None:
        self.config = tmp_path / "agent.toml"
        self.config.write_text(f'server = "{collector_url}"\nsplay = 0\n{config_text}')
        self.state = tmp_path / "state"
        credentials.save(str(self.state), Credentials(collector_url, "host-9", "k" * 43,
                                                      "2026-11-23T10:00:00Z"))
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(str(tmp_path / "notify.sock"))
        self.notify.settimeout(GUARD)
        env = dict(os.environ, FOOTPRINT_CONFIG=str(self.config), FOOTPRINT_STATE_DIR=str(self.state),
                   NOTIFY_SOCKET=str(tmp_path / "notify.sock"))
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from agent.cli import main; main()", "run"],
            env=env, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stderr(self) -> None:
        for line in self.process.stderr:
            self.lines.put(line.rstrip("\n"))

    def notification(self) -> str:
        return self.notify.recv(4096).decode()

    def wait_for_line(self, fragment: str) -> str:
        while True:
            line = self.lines.get(timeout=GUARD)
            if fragment in line:
                return line

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=GUARD)
        self.notify.close()
        return code

    def spooled(self) -> list:
        spool = self.state / "spool"
        return sorted(os.listdir(spool)) if spool.exists() else []


def test_ready_then_sigterm_during_a_send_keeps_the_report(tmp_path, scripted_collector,
                                                          another_collector):
    scripted_collector.release_reports.clear()  # the collector holds the report: a send in flight
    agent = RunningAgent(tmp_path, scripted_collector.url)
    try:
        assert agent.notification() == "READY=1"
        assert scripted_collector.report_arrived.wait(GUARD)
        agent.process.send_signal(signal.SIGTERM)
        assert agent.process.wait(timeout=GUARD) == 0
        assert agent.notification() == "STOPPING=1"
    finally:
        agent.stop()
    held = scripted_collector.requests[-1]["body"]["report_id"]
    spooled = agent.spooled()
    assert len(spooled) == 1 and spooled[0].endswith(f"{held}{SUFFIX}")  # nothing half-written

    # Restarted against a collector that answers: the interrupted report is delivered first.
    agent.config.write_text(f'server = "{another_collector.url}"\nsplay = 0\n')
    send = subprocess.run([sys.executable, "-c", "from agent.cli import main; main()", "send"],
                          env=dict(os.environ, FOOTPRINT_CONFIG=str(agent.config),
                                               FOOTPRINT_STATE_DIR=str(agent.state)),
                          capture_output=True, text=True, timeout=GUARD)
    assert send.returncode == 0, send.stderr
    sent = [r["body"]["report_id"] for r in another_collector.requests
            if r["path"] == "/api/v1/reports"]
    assert sent[0] == held and len(sent) == 2 and agent.spooled() == []


def test_idle_agent_stops_on_sigterm(tmp_path, scripted_collector):
    agent = RunningAgent(tmp_path, scripted_collector.url, 'log_level = "debug"\n')
    try:
        assert agent.notification() == "READY=1"
        assert agent.wait_for_line("next cycle in 3600 s")
        assert agent.stop() == 0
    finally:
        agent.stop()
    assert [r["path"] for r in scripted_collector.requests] == ["/api/v1/checkin",
                                                                "/api/v1/reports"]
    assert agent.spooled() == []


def test_sighup_reloads_and_refuses_a_broken_config(tmp_path, scripted_collector):
    agent = RunningAgent(tmp_path, scripted_collector.url)
    try:
        assert agent.notification() == "READY=1"
        agent.config.write_text('server = "https://x.example"\ntimeout = "never"\n')
        agent.process.send_signal(signal.SIGHUP)
        line = agent.wait_for_line("reload refused")
        assert f"{agent.config}: key 'timeout'" in line
        agent.config.write_text(f'server = "{scripted_collector.url}"\nlog_level = "info"\n')
        agent.process.send_signal(signal.SIGHUP)
        agent.wait_for_line("configuration reloaded")
        assert agent.process.poll() is None
    finally:
        assert agent.stop() == 0


def test_config_mistake_exits_78_naming_the_key(tmp_path):
    config = tmp_path / "agent.toml"
    config.write_text("spool_max_reports = 0\n")
    result = subprocess.run([sys.executable, "-c", "from agent.cli import main; main()", "run"],
                            env=dict(os.environ, FOOTPRINT_CONFIG=str(config)),
                            capture_output=True, text=True, timeout=GUARD)
    assert result.returncode == 78
    assert f"{config}: key 'spool_max_reports': expected 1 to 100000 reports" in result.stderr
    assert "Traceback" not in result.stderr


def test_unprivileged_user_gets_a_message_not_a_traceback():
    """`status`/`send` run by a user who cannot read the root-only state directory."""
    import tempfile
    from pathlib import Path

    python = "/usr/bin/python3"  # the test's own interpreter may sit in root's home
    if os.geteuid() != 0 or not shutil.which("runuser") or not os.path.exists(python):
        pytest.skip("needs root, runuser and /usr/bin/python3 to run the agent as another user")
    with tempfile.TemporaryDirectory(dir="/tmp") as shared:  # pytest's tmp_path is root-only
        os.chmod(shared, 0o755)
        check_as_nobody(Path(shared), python)


def check_as_nobody(tmp_path, python: str) -> None:
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    (tmp_path / "agent.toml").write_text("splay = 0\n")
    # A copy of the agent, because the checkout may sit in a directory only root can enter (mktemp -d).
    checkout = tmp_path / "src"
    shutil.copytree(os.path.dirname(os.path.abspath(credentials.__file__)), checkout / "agent",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for command, call in (("status", "status_main(False)"), ("send", "send_main()")):
        result = subprocess.run(
            ["runuser", "-u", "nobody", "--", "env", f"FOOTPRINT_CONFIG={tmp_path / 'agent.toml'}",
             f"FOOTPRINT_STATE_DIR={state}", f"PYTHONPATH={checkout}", python, "-c",
             f"import sys, agent.service_cli as c; sys.exit(c.{call})"],
            capture_output=True, text=True, timeout=GUARD)
        assert result.returncode == 1, result.stderr
        assert (f"footprint-agent {command}: no access to {state} (the agent's state directory); "
                "run it as root") in result.stderr
        assert "Traceback" not in result.stderr

"""`footprint-agent run`: the resident service loop.

The resident process only waits: each cycle (collect + deliver) runs in a short-lived child process
(`python -m agent.service`), so requests, the package lists and the allocator's leftovers never stay in
memory between runs, and a crash in one source cannot take the service down. SIGTERM stops the loop at
once (the child is terminated too; every file it writes is atomic and the report stays spooled), SIGHUP
reloads agent.toml. Idle means blocked in select() on a wake-up socket: no timers, no CPU.
"""

from __future__ import annotations

import json
import logging
import os
import random
import select
import signal
import socket
import subprocess
import sys
import time
from typing import Dict, Optional

from agent import config as agent_config
from agent import environment
from agent.config import Config, ConfigError

log = logging.getLogger("footprint.service")

EXIT_CONFIG = 78  # EX_CONFIG: the unit's RestartPreventExitStatus, a restart loop cannot fix a typo
_SYSLOG_PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3,
                    logging.CRITICAL: 2}


class _JournalFormatter(logging.Formatter):
    """`<priority>message` lines, which journald files under the right level."""

    def format(self, record: logging.LogRecord) -> str:
        return f"<{_SYSLOG_PRIORITY.get(record.levelno, 6)}>{super().format(record)}"


def configure_logging(level: str) -> None:
    """Log to stderr: `<n>` prefixes under systemd (JOURNAL_STREAM set), else `level: message`;
    to the file FOOTPRINT_LOG_FILE names instead where there is no stderr (a Windows service)."""
    log_file = environment.env(environment.LOG_FILE)
    handler: logging.Handler
    if log_file:
        handler = logging.FileHandler(log_file, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    elif os.environ.get("JOURNAL_STREAM"):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_JournalFormatter("%(message)s"))
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("footprint-agent: %(levelname)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("urllib3").setLevel(logging.WARNING)


def notify_systemd(message: str) -> None:
    """sd_notify without libsystemd: one datagram to $NOTIFY_SOCKET (Type=notify units)."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address or not hasattr(socket, "AF_UNIX"):
        return
    if address.startswith("@"):
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify_socket:
            notify_socket.connect(address)
            notify_socket.sendall(message.encode())
    except OSError as error:
        log.debug("sd_notify %s failed: %s", message, error)


class Waker:
    """A socket pair to sleep on: signals (via set_wakeup_fd) and other threads cut the sleep short.

    Signal handlers must not take locks (an Event's lock may be held by the code they interrupt), so
    the wake-up is a byte on a non-blocking socket, which works the same on POSIX and Windows.
    """

    def __init__(self) -> None:
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)

    def fileno(self) -> int:
        return self._writer.fileno()

    def wake(self) -> None:
        try:
            self._writer.send(b"\0")
        except OSError:  # buffer full: a wake-up is already pending
            pass

    def sleep(self, seconds: float) -> None:
        """Block until woken or `seconds` passed, then forget pending wake-ups."""
        select.select([self._reader], [], [], max(seconds, 0.0))
        try:
            while self._reader.recv(512):
                pass
        except OSError:
            pass


class AgentService:
    """The loop: splay, cycle in a child, wait for the interval the cycle returned, repeat."""

    def __init__(self, config: Config, python: str = sys.executable) -> None:
        self.config = config
        self.python = python
        self.waker = Waker()
        self.stopping = False
        self.reload_requested = False
        self.child: Optional[subprocess.Popen] = None

    def install_signal_handlers(self) -> None:
        signal.set_wakeup_fd(self.waker.fileno(), warn_on_full_buffer=False)
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        if hasattr(signal, "SIGHUP"):
            signal.signal(signal.SIGHUP, self._on_signal)

    def stop(self) -> None:
        """Ask the loop to end now (from a signal handler or another thread, e.g. a Windows service)."""
        self.stopping = True
        self._terminate_child()
        self.waker.wake()

    def request_reload(self) -> None:
        self.reload_requested = True
        self.waker.wake()

    def run(self) -> int:
        notify_systemd("READY=1")
        log.info("started: state in %s, config %s", self.config.state_dir, self.config.source)
        delay = random.uniform(0, self.config.splay)
        while self._wait(delay):
            delay = self._cycle()
            log.debug("next cycle in %d s", delay)
        notify_systemd("STOPPING=1")
        log.info("stopped")
        return 0

    def _on_signal(self, signum: int, frame: object) -> None:
        if signum == getattr(signal, "SIGHUP", None):
            self.reload_requested = True
        else:
            self.stopping = True
            self._terminate_child()
        self.waker.wake()

    def _wait(self, seconds: float) -> bool:
        """Sleep until the deadline, reloading on request; False when asked to stop."""
        deadline = time.monotonic() + seconds
        while not self.stopping:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return True
            self.waker.sleep(remaining)
            if self.reload_requested:
                self._reload()
        return False

    def _reload(self) -> None:
        self.reload_requested = False
        try:
            self.config = agent_config.load(self.config.source)
        except ConfigError as error:
            log.error("reload refused, keeping the running configuration: %s", error)
            return
        configure_logging(self.config.log_level)
        log.info("configuration reloaded from %s", self.config.source)

    def _cycle(self) -> float:
        """Run one cycle in a child process; the seconds until the next one."""
        command = [self.python, "-m", "agent.service"]
        try:
            self.child = subprocess.Popen(command, stdout=subprocess.PIPE, env=self._child_env())
            output, _ = self.child.communicate()
        except OSError as error:
            log.error("cannot start %s: %s", command[0], error)
            return 300.0
        finally:
            returncode = self.child.returncode if self.child else None
            self.child = None
        if self.stopping:
            return 0.0
        try:
            return float(json.loads(output)["next_in"])
        except (ValueError, KeyError, TypeError):
            log.error("the delivery cycle failed (exit status %s); next try in 5 minutes",
                      returncode)
            return 300.0

    def _child_env(self) -> Dict[str, str]:
        env = dict(os.environ)
        env.pop("NOTIFY_SOCKET", None)
        env[environment.CONFIG] = self.config.source
        package_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
        return env

    def _terminate_child(self) -> None:
        child = self.child
        if child is not None and child.poll() is None:
            try:
                child.terminate()
            except OSError:
                pass


def cycle_main() -> int:
    """Child entry point: one cycle, its outcome as one JSON line on stdout."""
    from agent.delivery import run_cycle

    if hasattr(signal, "SIGINT"):
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends the child quietly, like SIGTERM

    try:
        config = agent_config.load()
    except ConfigError as error:
        print(f"footprint-agent: {error}", file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(config.log_level)
    outcome = run_cycle(config, collect=collect_report)
    print(json.dumps({"ok": outcome.ok, "next_in": outcome.next_in}))
    return 0


def collect_report() -> dict:
    from agent.inventory import collect

    return collect("/")


if __name__ == "__main__":
    sys.exit(cycle_main())

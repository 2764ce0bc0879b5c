"""Shared helpers for the agent's tests: fixture paths, fake roots, running the real CLI."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import ssl
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Dict, List, Optional, Tuple

import pytest

from agent.config import Config

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _own_state_dir(tmp_path, monkeypatch):
    """No test reads or writes the machine's agent state (the apt provenance cache lives there)."""
    monkeypatch.setenv("FOOTPRINT_STATE_DIR", str(tmp_path / "state"))


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def make_root(tmp_path):
    """Build a fake system root: make_root({"etc/os-release": FIXTURES/"os-release/astra", ...})."""

    def build(files: dict, name: str = "root") -> Path:
        root = tmp_path / name
        for relative, content in files.items():
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, Path):
                shutil.copyfile(content, target)
            else:
                target.write_text(content, encoding="utf-8")
        return root

    return build


@pytest.fixture
def run_agent(tmp_path):
    """Run `footprint-agent ARGS` as a real subprocess of this interpreter (no script needed)."""

    def run(*args: str, env: dict = None) -> subprocess.CompletedProcess:
        environment = dict(os.environ, FOOTPRINT_STATE_DIR=str(tmp_path / "state"))
        environment.update(env or {})
        code = "import sys; from agent.cli import main; sys.argv[0] = 'footprint-agent'; main()"
        return subprocess.run(
            [sys.executable, "-c", code, *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=environment,
            cwd=str(Path(__file__).resolve().parents[2]),
        )

    return run


@pytest.fixture
def fake_winreg(monkeypatch):
    """Install a stand-in for winreg (it exists only on Windows) over plain dicts.

    install({path: [(name, data, type)]}, wow={...}, denied=[path]): parents are created, the 32-bit
    view (KEY_WOW64_32KEY) sees `wow` when given, and a denied path raises PermissionError.
    """
    import types

    def tree(paths: dict) -> dict:
        view: dict = {}
        for path, values in paths.items():
            parts = path.split("\\")
            for depth in range(1, len(parts) + 1):
                subkeys, _ = view.setdefault("\\".join(parts[:depth]).lower(), ([], []))
                if depth < len(parts) and parts[depth] not in subkeys:
                    subkeys.append(parts[depth])
            view[path.lower()][1].extend(values)
        return view

    def install(native: dict, wow: dict = None, denied=()):
        module = types.ModuleType("winreg")
        module.HKEY_LOCAL_MACHINE, module.HKEY_USERS = "HKEY_LOCAL_MACHINE", "HKEY_USERS"
        module.KEY_READ, module.KEY_WOW64_64KEY, module.KEY_WOW64_32KEY = 0x20019, 0x0100, 0x0200
        views = {0x0100: tree(native), 0x0200: tree(native if wow is None else wow)}
        refused = {path.lower() for path in denied}

        class Key:
            def __init__(self, entry):
                self.entry = entry

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return False

        def open_key(root, sub, reserved, access):
            path = "\\".join(part for part in (root, sub) if part).lower()
            if path in refused:
                raise PermissionError(13, "Access is denied")
            entry = views[access & 0x0300 or 0x0100].get(path)
            if entry is None:
                raise FileNotFoundError(2, "The system cannot find the file specified")
            return Key(entry)

        module.OpenKey = open_key
        module.QueryInfoKey = lambda key: (len(key.entry[0]), len(key.entry[1]), 0)
        module.EnumKey = lambda key, index: key.entry[0][index]
        module.EnumValue = lambda key, index: key.entry[1][index]
        monkeypatch.setitem(sys.modules, "winreg", module)
        return module

    return install


# The agent runtime's fakes: a scripted collector over loopback HTTP(S), a config, a report.
class ScriptedCollector:
    """Answers POSTs from a queue of (status, headers, body); then 200 with `default`."""

    def __init__(self, tls: Optional[Tuple[str, str]] = None) -> None:
        self.answers: List[Tuple[int, Dict[str, str], dict]] = []
        self.requests: List[dict] = []
        self.default = {"full_report": True, "accepted": True, "duplicate": False,
                        "next_checkin_seconds": 3600}
        self.report_arrived = threading.Event()
        self.release_reports = threading.Event()  # cleared: report answers are held back
        self.release_reports.set()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def _handler(self):
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Encoding") == "gzip":
                    raw = gzip.decompress(raw)
                collector.requests.append({"path": self.path, "headers": dict(self.headers),
                                           "body": json.loads(raw)})
                if self.path == "/api/v1/reports":
                    collector.report_arrived.set()
                    collector.release_reports.wait(60)
                status, headers, body = (collector.answers.pop(0) if collector.answers
                                         else (200, {}, collector.default))
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        return Handler

    def close(self) -> None:
        self.release_reports.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def scripted_collector():
    collector = ScriptedCollector()
    yield collector
    collector.close()


@pytest.fixture
def another_collector():
    """A second scripted collector, for 'the collector came back' (at a new port) scenarios."""
    collector = ScriptedCollector()
    yield collector
    collector.close()


@pytest.fixture
def tls_collector(make_certificate):
    """A scripted collector over HTTPS with a self-signed certificate; `.cert` is its PEM file."""
    cert, key = make_certificate("collector")
    collector = ScriptedCollector(tls=(cert, key))
    collector.cert = cert
    yield collector
    collector.close()


@pytest.fixture
def other_ca(make_certificate) -> str:
    """A CA certificate that did not sign the collector's certificate."""
    return make_certificate("other-ca")[0]


@pytest.fixture
def agent_config(tmp_path) -> Config:
    """Settings for an agent whose state lives in the test's own directory."""
    return Config(source=str(tmp_path / "agent.toml"), state_dir=str(tmp_path / "state"), timeout=5)


@pytest.fixture
def sample_report() -> dict:
    """A small footprint.report/1 document shaped like a Debian workstation's."""
    return {
        "schema": "footprint.report/1",
        "report_id": "0b7e2f4c-5d1a-4f0e-9a63-2d8c1b7e9f10",
        "collected_at": "2026-11-23T11:20:00Z",
        "inventory_hash": "9f2c" * 16,
        "agent": {"name": "footprint-agent", "version": "0.1.0", "duration_ms": 380},
        "host": {"id": "3d1219c7a4be4f0e8f1c2b9d0e6a7f21", "id_source": "machine-id",
                 "hostname": "ws-042", "os": {"family": "linux", "name": "Debian GNU/Linux",
                                              "version": "12", "distro_id": "debian"}},
        "software": [
            {"name": "zoom", "version": "6.2.5.3010", "source": "deb", "arch": "amd64",
             "publisher": "Zoom Video Communications, Inc."},
            {"name": "libreoffice-core", "version": "4:7.4.7-1+deb12u5", "source": "deb",
             "arch": "amd64", "publisher": "Debian LibreOffice Maintainers"},
        ],
        "errors": [],
    }


@pytest.fixture
def full_disk(tmp_path):
    """A real 64 KiB tmpfs at `.path` (needs root and mount; skipped elsewhere); `.fill()` leaves it
    without a free byte."""
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)],
                            capture_output=True)
    if result.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")

    def fill() -> None:
        with open(mount_point / "filler", "wb", buffering=0) as handle:
            for size in (4096, 1):  # pages, then the last bytes
                try:
                    while handle.write(os.urandom(size)):
                        pass
                except OSError:
                    pass

    try:
        yield SimpleNamespace(path=mount_point, fill=fill)
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)

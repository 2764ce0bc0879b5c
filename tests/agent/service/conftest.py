"""A scripted local HTTP collector for transport tests (answers a real collector rarely gives)."""

from __future__ import annotations

import gzip
import json
import os
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Dict, List, Optional, Tuple

import pytest

from agent.config import Config


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

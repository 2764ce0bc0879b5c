"""Fixtures shared by every test area: required commands, real SQLite and PostgreSQL databases,
the collector app, credentials, and realistic reports.

PostgreSQL: each test session creates its own database on the server named by FOOTPRINT_TEST_PG
(dropped at the end) and each test gets a fresh schema in it. Without FOOTPRINT_TEST_PG the
PostgreSQL tests are skipped with that reason, except under FOOTPRINT_CI=1 where they fail.
"""

from __future__ import annotations

import copy
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional

import pytest

PG_ENV = "FOOTPRINT_TEST_PG"


@pytest.fixture
def require_command():
    """Skip when a tool is not installed here; on CI (FOOTPRINT_CI=1) its absence is a failure instead."""

    def require(command: str) -> str:
        path = shutil.which(command)
        if path:
            return path
        if os.environ.get("FOOTPRINT_CI") == "1":
            pytest.fail(f"{command} is missing on CI: .ci/setup-system should have installed it")
        pytest.skip(f"{command} is not installed (apt-get install it, or see .ci/setup-system)")

    return require


def _require_pg() -> str:
    url = os.environ.get(PG_ENV)
    if url:
        return url
    reason = f"{PG_ENV} is not set: PostgreSQL tests need a server (e.g. postgresql://postgres@127.0.0.1/test)"
    if os.environ.get("FOOTPRINT_CI") == "1":
        pytest.fail(reason + " — and FOOTPRINT_CI=1 requires them")
    pytest.skip(reason)


def _psycopg_url(url: str) -> str:
    return "postgresql+psycopg://" + url.split("://", 1)[1]


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A database of its own for this test session, as a SQLAlchemy URL; dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = make_url(_psycopg_url(_require_pg()))
    name = f"footprint_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - the reason goes into the failure message
        admin.dispose()
        pytest.fail(f"PostgreSQL at {server.render_as_string(hide_password=True)}: {exc}")
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_url(pg_database: str) -> Iterator[str]:
    """A fresh, empty schema in the session database (search_path set in the URL)."""
    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(pg_database, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in pg_database else "?"
    yield f"{pg_database}{sep}options=-csearch_path%3D{schema}"
    with engine.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """A SQLite database file in a fresh data directory."""
    return f"sqlite:///{tmp_path / 'footprint-data' / 'footprint.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request) -> str:
    """Each test using it runs on both databases."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def engine(db_url: str):
    """A migrated engine on `db_url`."""
    from server.store.db import make_engine
    from server.store.migrate import upgrade

    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(db_url: str, engine):
    from server.settings import Settings

    return Settings(db_url=db_url, checkin_interval=600)


@pytest.fixture
def app(settings):
    from server.app import create_app

    app = create_app(settings)
    yield app
    app.state.engine.dispose()


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        yield client


@pytest.fixture
def enroll_secret(engine) -> str:
    """A live enrollment secret that tags its hosts dept=finance."""
    from server.store.credentials import create_token

    return create_token(engine, "enroll", name="tests", tags={"dept": "finance"}).secret


@pytest.fixture
def admin_token(engine) -> str:
    from server.store.credentials import create_token

    return create_token(engine, "admin", name="tests").secret


@pytest.fixture
def admin_headers(admin_token: str) -> Dict[str, str]:
    return {"Authorization": f"Bearer {admin_token}"}


@dataclass
class EnrolledHost:
    host_id: str
    hostname: str
    key: str

    @property
    def headers(self) -> Dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


@pytest.fixture
def enroll(client, enroll_secret) -> Callable[..., EnrolledHost]:
    """Enroll a host through the API: `enroll()` or `enroll(host_id, hostname)`."""

    def _enroll(host_id: Optional[str] = None, hostname: Optional[str] = None) -> EnrolledHost:
        host_id = host_id or uuid.uuid4().hex
        hostname = hostname or f"ws-{host_id[:6]}"
        answer = client.post(
            "/api/v1/enroll",
            json={"secret": enroll_secret, "host_id": host_id, "hostname": hostname},
        )
        assert answer.status_code == 201, answer.text
        return EnrolledHost(host_id, hostname, answer.json()["host_key"])

    return _enroll


# A Debian 12 workstation and a Windows 11 office machine, as their agents report them.
DEBIAN_PACKAGES = [
    ("base-files", "12.4+deb12u5", "Santiago Vila <sanvila@debian.org>", "amd64"),
    ("bash", "5.2.15-2+b2", "Matthias Klose <doko@debian.org>", "amd64"),
    ("coreutils", "9.1-1", "Michael Stone <mstone@debian.org>", "amd64"),
    ("firefox-esr", "115.12.0esr-1~deb12u1", "Debian Mozilla Team", "amd64"),
    ("libc6", "2.36-9+deb12u7", "GNU Libc Maintainers <debian-glibc@lists.debian.org>", "amd64"),
    ("libreoffice-writer", "4:7.4.7-1+deb12u3", "Debian LibreOffice Maintainers", "amd64"),
    ("openssh-server", "1:9.2p1-2+deb12u3", "Debian OpenSSH Maintainers", "amd64"),
    ("python3.11", "3.11.2-6+deb12u2", "Matthias Klose <doko@debian.org>", "amd64"),
    ("systemd", "252.26-1~deb12u2", "Debian systemd Maintainers", "amd64"),
    ("thunderbird", "1:115.12.0-1~deb12u1", "Debian Mozilla Team", "amd64"),
    ("tzdata", "2024a-0+deb12u1", "GNU Libc Maintainers <debian-glibc@lists.debian.org>", "all"),
    ("zoom", "6.2.5.3010", "Zoom Video Communications, Inc.", "amd64"),
]
WINDOWS_PROGRAMS = [
    ("7-Zip 23.01 (x64)", "23.01", "Igor Pavlov", "x64"),
    ("Adobe Acrobat Reader DC", "24.002.20759", "Adobe", "x64"),
    ("Google Chrome", "126.0.6478.127", "Google LLC", "x64"),
    ("Kaspersky Endpoint Security для Windows", "12.5.0.539", "АО Лаборатория Касперского", "x64"),
    (
        "Microsoft 365 Apps for enterprise - ru-ru",
        "16.0.17726.20160",
        "Microsoft Corporation",
        "x64",
    ),
    ("Microsoft Edge", "126.0.2592.87", "Microsoft Corporation", "x64"),
    ("Microsoft Teams", "24124.2311.2911.3341", "Microsoft Corporation", "x64"),
    ("Яндекс Браузер", "24.6.1.876", "ООО «ЯНДЕКС»", "x86"),
    ("Zoom Workplace (64-bit)", "6.1.1.36333", "Zoom Video Communications, Inc.", "x64"),
]


def linux_software(rng: Optional[random.Random] = None) -> List[dict]:
    items = [
        {
            "name": n,
            "version": v,
            "source": "deb",
            "publisher": p,
            "arch": a,
            "id": n,
            "scope": "system",
            "install_date": "2026-03-14T09:12:00Z",
            "extra": {"source_package": n.split("-")[0]},
        }
        for n, v, p, a in DEBIAN_PACKAGES
    ]
    if rng:
        items = [i for i in items if rng.random() > 0.2]
    return items


def windows_software() -> List[dict]:
    return [
        {
            "name": n,
            "version": v,
            "source": "windows",
            "publisher": p,
            "arch": a,
            "id": "{" + str(uuid.uuid5(uuid.NAMESPACE_DNS, n)).upper() + "}",
            "scope": "system",
            "install_date": "2026-01-20",
            "location": f"C:\\Program Files\\{n.split()[0]}",
        }
        for n, v, p, a in WINDOWS_PROGRAMS
    ]


@pytest.fixture
def make_report() -> Callable[..., dict]:
    """`make_report(host, software=None, os="linux", collected_at=None)`: a footprint.report/1."""

    def _make(
        host: EnrolledHost,
        software: Optional[List[dict]] = None,
        os: str = "linux",
        collected_at: Optional[datetime] = None,
    ) -> dict:
        from agent.report import inventory_hash

        when = collected_at or datetime.now(timezone.utc) - timedelta(seconds=1)
        linux = os == "linux"
        report = {
            "schema": "footprint.report/1",
            "report_id": str(uuid.uuid4()),
            "collected_at": when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "agent": {"name": "footprint-agent", "version": "0.1.0", "duration_ms": 412},
            "host": {
                "id": host.host_id,
                "id_source": "machine-id" if linux else "MachineGuid",
                "hostname": host.hostname,
                "fqdn": f"{host.hostname}.corp.example",
                "boot_time": "2026-11-20T07:01:12Z",
                "os": _linux_os() if linux else _windows_os(),
            },
            "hardware": {
                "cpu_model": "Intel(R) Core(TM) i5-8250U CPU @ 1.60GHz",
                "cpu_cores": 4,
                "cpu_threads": 8,
                "memory_bytes": 8264564736,
                "vendor": "LENOVO",
                "model": "20L5",
                "serial": "PF1ABCDE",
                "disks": [
                    {
                        "device": "/dev/sda1",
                        "mount": "/",
                        "fstype": "ext4",
                        "size_bytes": 255013683200,
                    }
                ],
            },
            "network": {
                "interfaces": [
                    {"name": "eth0", "mac": "52:54:00:12:34:56", "addresses": ["10.0.0.5/24"]}
                ]
            },
            "software": copy.deepcopy(
                software
                if software is not None
                else (linux_software() if linux else windows_software())
            ),
            "errors": [],
        }
        report["inventory_hash"] = inventory_hash(report)
        return report

    return _make


def _linux_os() -> dict:
    return {
        "family": "linux",
        "name": "Debian GNU/Linux",
        "version": "12",
        "distro_id": "debian",
        "codename": "bookworm",
        "kernel": "6.1.0-21-amd64",
        "arch": "x86_64",
    }


def _windows_os() -> dict:
    return {
        "family": "windows",
        "name": "Windows 11 Pro",
        "version": "10.0.22631",
        "product_name": "Windows 11 Pro",
        "display_version": "23H2",
        "build": "22631",
        "ubr": 3880,
        "arch": "x86_64",
    }


# Real `footprint serve` processes, for tests that need real HTTP, real workers and real kills.
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
    ca: Optional[str] = None  # the certificate to trust when it serves HTTPS (--tls-cert)

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
            ready = requests.get(f"{collector.url}/healthz", timeout=2, verify=collector.ca or True)
            if ready.status_code == 200:
                return
        except requests.exceptions.RequestException:
            pass
        time.sleep(0.1)
    collector.stop()
    pytest.fail(f"footprint serve did not answer /healthz: {collector.log.read_text()[-2000:]}")


@pytest.fixture
def start_collector(tmp_path) -> Callable[..., Collector]:
    """`start_collector(db_url, workers=1, *extra)`: a `footprint serve` on a free port."""
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
        cert = extra[extra.index("--tls-cert") + 1] if "--tls-cert" in extra else None
        scheme = "https" if cert else "http"
        collector = Collector(f"{scheme}://127.0.0.1:{port}", process, log, cert)
        started.append(collector)
        _wait_ready(collector)
        return collector

    yield start
    for collector in started:
        collector.stop()


@pytest.fixture
def make_certificate(tmp_path) -> Callable[[str], tuple]:
    """`make_certificate(name)`: a self-signed certificate for 127.0.0.1 made with the openssl CLI,
    as (cert.pem, key.pem) paths."""

    def make(name: str) -> tuple:
        cert, key = str(tmp_path / f"{name}.pem"), str(tmp_path / f"{name}.key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                        "-out", cert, "-days", "2", "-subj", f"/CN={name}",
                        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                       check=True, capture_output=True)
        return cert, key

    return make

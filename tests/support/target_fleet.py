"""A fleet whose foreign installs fall at a known rate, for the migration-target tests and the report's browser
test: 70 Astra Linux workstations (a domestic OS) with Zoom and Chrome; one a day drops both, so offending
installs fall by two a day; the last ten also keep VS Code and never migrate. Every time is an offset from the
`now` the caller passes."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta

from server.store.credentials import create_token, enroll_host, find_token
from server.store.ingest import ingest_report, parse_report

HOSTS = 70
MIGRATED = 60  # hosts 0..59 drop Zoom and Chrome, one a day; hosts 60..69 keep them (department "sales")
FIRST_BEFORE = timedelta(days=60, hours=15)  # every host's first inventory, this long before now
REMOVALS_BEFORE = timedelta(days=60, minutes=-30)  # host i migrates this long before now, plus i days
ASTRA = {"family": "linux", "name": "Astra Linux", "version": "1.7.5", "distro_id": "astra",
         "codename": "1.7_x86-64", "kernel": "6.1.0-21-amd64", "arch": "x86_64"}


def _deb(name: str, who: str) -> dict:
    return {"name": name, "version": "2.1", "source": "deb", "publisher": who.split(" <")[0], "arch": "amd64",
            "id": name, "extra": {"maintainer": who}}


DOMESTIC = [_deb("kesl", "AO Kaspersky Lab <support@kaspersky.com>"),
            _deb("yandex-browser-stable", "Yandex Browser Team <browser@support.yandex.ru>")]
MIGRATING = [_deb("zoom", "Zoom Video Communications, Inc. <support@zoom.us>"),
             _deb("google-chrome-stable", "Chrome Linux Team <chromium-dev@chromium.org>")]
STAYING = [_deb("code", "Microsoft Corporation <vscode-linux@microsoft.com>")]  # never removed


def _report(i: int, software: list) -> dict:
    return {"schema": "footprint.report/1", "report_id": "", "collected_at": "",
            "agent": {"name": "footprint-agent", "version": "0.1.0"},
            "host": {"id": uuid.uuid5(uuid.NAMESPACE_URL, f"targets/{i}").hex, "id_source": "machine-id",
                     "hostname": f"astra-{i:03d}", "os": ASTRA},
            "hardware": {"disks": []}, "network": {"interfaces": []}, "software": software, "errors": []}


def _send(engine, report: dict, when: datetime) -> None:
    report = dict(report, collected_at=when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), report_id=str(uuid.uuid4()))
    ingest_report(engine, parse_report(json.dumps(report).encode()), report["host"]["id"], now=when)


def build(engine, now: datetime) -> None:
    """The fleet in `engine`, its history ending an hour before `now` (all hosts current)."""
    secrets = {dept: create_token(engine, "enroll", name=dept, tags={"dept": dept}).secret
               for dept in ("finance", "sales")}
    first, removals = now - FIRST_BEFORE, now - REMOVALS_BEFORE
    for i in range(HOSTS):
        migrated = i < MIGRATED
        report = _report(i, DOMESTIC + MIGRATING + ([] if migrated else STAYING))
        token = find_token(engine, secrets["finance" if migrated else "sales"], ("enroll",), first)
        enroll_host(engine, token, report["host"]["id"], report["host"]["hostname"])
        _send(engine, report, first)
        if migrated:
            report = _report(i, DOMESTIC)
            _send(engine, report, removals + timedelta(days=i))
        _send(engine, report, now - timedelta(hours=1))

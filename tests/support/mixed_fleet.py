"""A mixed fleet for the scoped migration targets: Windows and Linux computers and phones in three departments,
each first seen on its own day over ten weeks, whose foreign installs are dropped on later days and sometimes
come back; one host is revoked and one stopped reporting weeks ago. Reports come from
tests/support/synthetic_fleet.py and go through ingest, so every maintained row is written as in production.
Every time is an offset from the `now` the caller passes."""

from __future__ import annotations

import json
import random
import uuid
from datetime import datetime, timedelta
from typing import List

from server.store.credentials import create_token, enroll_host, find_token, remove_host
from server.store.ingest import ingest_report, parse_report
from tests.support import synthetic_fleet as synthetic

COMPUTERS, PHONES = 36, 12
DEPARTMENTS = ("finance", "sales", "it")
DROPPED = {"Zoom Workplace (64-bit)", "Google Chrome", "TeamViewer", "AnyDesk", "Telegram Desktop", "zoom",
           "google-chrome-stable", "code", "Zoom", "WhatsApp", "Teams"}


def _send(engine, report: dict, when: datetime) -> None:
    report = dict(report, collected_at=when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                  report_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"mixed/{report['host']['id']}/{when.isoformat()}")))
    ingest_report(engine, parse_report(json.dumps(report).encode()), report["host"]["id"], now=when)


def build(engine, now: datetime, seed: int = 14) -> List[dict]:
    """The fleet in `engine`; the first report of each host (its department is DEPARTMENTS[index % 3])."""
    rng = random.Random(seed)
    secret = create_token(engine, "enroll", name="mixed").secret
    token = find_token(engine, secret, ("enroll",), now - timedelta(days=80))
    reports = [synthetic.host_report(i, seed, windows_share=0.6, windows_size=25, linux_size=30)
               for i in range(COMPUTERS)] + [synthetic.phone_report(i, seed) for i in range(PHONES)]
    for i, report in enumerate(reports):
        dept = DEPARTMENTS[i % len(DEPARTMENTS)]
        host = report["host"]
        enroll_host(engine, token, host["id"], host["hostname"], tags={"dept": dept})
        first = now - timedelta(days=rng.randint(40, 70), hours=rng.randint(0, 23))
        _send(engine, report, first)
        kept = [item for item in report["software"] if item["name"] not in DROPPED or rng.random() < 0.3]
        if i == 1:
            continue  # stopped reporting after its first inventory: stale now, its installs kept in the burndown
        dropped_on = first + timedelta(days=rng.randint(3, 35), hours=rng.randint(0, 23))
        _send(engine, dict(report, software=kept), dropped_on)
        if rng.random() < 0.3:  # a dropped program comes back
            later = dropped_on + timedelta(days=rng.randint(1, 5), hours=rng.randint(0, 23))
            _send(engine, report, later)
        _send(engine, dict(report, software=kept), now - timedelta(hours=rng.randint(1, 30)))
    remove_host(engine, reports[4]["host"]["id"])  # revoked: out of every scope, its rows and events kept
    return reports

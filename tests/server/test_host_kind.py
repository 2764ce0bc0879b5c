"""Device kind is a dimension: computers, phones and tablets add up to the whole fleet in every total the admin
API gives (hosts, software, summary, vendors, products, worst hosts, unknown, trend, export)."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from server.store.credentials import create_token, enroll_host
from server.store.db import utcnow
from server.store.ingest import ingest_report, parse_report
from server.store.tables import hosts
from tests.support import synthetic_fleet as synthetic

KINDS = ("computer", "phone", "tablet")


def _store(engine, report: dict, sent: datetime) -> None:
    from server.store.credentials import find_token

    report.update(collected_at=sent.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), report_id=str(uuid.uuid4()))
    secret = create_token(engine, "enroll", name="fleet", tags={"dept": "legal"}).secret
    enroll_host(engine, find_token(engine, secret, ("enroll",), utcnow()), report["host"]["id"],
                report["host"]["hostname"])
    ingest_report(engine, parse_report(json.dumps(report).encode()), report["host"]["id"], now=sent)


@pytest.fixture
def fleet(engine):
    """Six computers, six phones and two tablets, all reporting an hour ago."""
    sent = datetime.now(timezone.utc) - timedelta(hours=1)  # current, whatever today is
    reports = [synthetic.host_report(i, seed=5, windows_size=30, linux_size=30) for i in range(6)]
    reports += [synthetic.phone_report(i, seed=5) for i in range(8)]
    for report in reports:
        _store(engine, report, sent)
    return reports


def _get(client, headers, path: str, **params) -> dict:
    answer = client.get(f"/api/v1/admin/{path}", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _figures(client, headers, **params) -> dict:
    """Every additive figure of every total, as a Counter so that kinds can be summed."""
    figures: Counter = Counter()
    summary = _get(client, headers, "summary", top=100, **params)
    figures["reporting"] = summary["hosts"]["reporting"]
    figures["known"] = summary["hosts"]["known"]
    for key in ("hosts_with_foreign", "hosts_with_foreign_proprietary", "domestic_os_hosts", "installs"):
        figures[key] = summary[key]
    for row in summary["installs_by_status"]:
        figures["status", row["status"]] = row["installs"]
    for row in summary["by_country"]:
        figures["country", row["country"]] = row["installs"]
    for row in summary["operating_systems"]:
        figures["os", row["os"]] += row["hosts"]
    for row in _get(client, headers, "vendors", **params)["vendors"]:
        figures["vendor installs", row["name"]] = row["installs"]
        figures["vendor hosts", row["name"]] = row["hosts"]
    for row in _get(client, headers, "products", **params)["products"]:
        figures["product installs", row["vendor"], row["name"]] = row["installs"]
        figures["product hosts", row["vendor"], row["name"]] = row["hosts"]
    for row in _get(client, headers, "unknown", limit=100_000, **params)["unknown"]:
        figures["unknown installs", row["name"], row["source"]] = row["installs"]
        figures["unknown hosts", row["name"], row["source"]] = row["hosts"]
    figures["foreign hosts"] = len(_get(client, headers, "foreign-hosts", limit=100_000, **params)["hosts"])
    last = _get(client, headers, "trend", by="month", **params)["trend"][-1]
    for key in ("hosts", "foreign_installs", "hosts_with_foreign"):
        figures["trend", key] = last[key]
    figures["listed hosts"] = len(_get(client, headers, "hosts", **params)["hosts"])
    for row in _get(client, headers, "software", limit=100_000, **params)["software"]:
        figures["title hosts", row["name"], row["version"], row["source"]] = row["hosts"]
    export = client.get("/api/v1/admin/export", params={**params, "format": "json"}, headers=headers)
    assert export.status_code == 200, export.text
    for line in export.text.splitlines():
        row = json.loads(line)
        figures["export", row["host_id"], row["vendor"], row["product"]] += 1
    return figures


def test_computers_phones_and_tablets_add_up_to_the_whole_fleet(client, admin_headers, fleet):
    whole = _figures(client, admin_headers)
    parts = {kind: _figures(client, admin_headers, kind=kind) for kind in KINDS}
    assert parts["computer"]["reporting"] == 6 and parts["phone"]["reporting"] == 6
    assert parts["tablet"]["reporting"] == 2 and whole["reporting"] == 14
    assert parts["phone"]["installs"] > 0 and parts["computer"]["installs"] > parts["phone"]["installs"]
    added = parts["computer"] + parts["phone"] + parts["tablet"]
    assert {key: added[key] for key in whole} == dict(whole)
    assert set(added) == set(whole)
    # the same filter with a tag narrows the same way: a kind within a department
    legal = _figures(client, admin_headers, kind="phone", tag="dept=legal")
    assert legal == parts["phone"]


def test_a_report_without_kind_is_a_computer_and_a_phone_says_it_is_one(engine, fleet):
    with engine.connect() as conn:
        stored = dict(conn.execute(select(hosts.c.id, hosts.c.kind)).all())
    for report in fleet:
        assert stored[report["host"]["id"]] == report["host"].get("kind", "computer")


def test_an_unknown_kind_is_refused_naming_the_parameter(client, admin_headers, fleet):
    for path in ("summary", "hosts", "software", "export"):
        answer = client.get(f"/api/v1/admin/{path}", params={"kind": "fridge"}, headers=admin_headers)
        assert answer.status_code in (400, 422), answer.text
        assert "kind" in answer.text

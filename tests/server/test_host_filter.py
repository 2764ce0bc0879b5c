"""One host filter everywhere: the same --os/--tag values select the same hosts in hosts, summary, products and
export (the admin API behind `footprint hosts`, `summary`, `products` and `export`)."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from datetime import datetime, timedelta, timezone

import pytest

from server.store.credentials import create_token, enroll_host
from server.store.db import utcnow
from server.store.ingest import ingest_report, parse_report
from tests.support import synthetic_fleet as synthetic

FLEET = 9


@pytest.fixture
def fleet(engine):
    """Windows and Astra/Debian hosts, a third of them tagged dept=finance, all reporting an hour ago."""
    from server.store.credentials import find_token

    sent = datetime.now(timezone.utc) - timedelta(hours=1)  # current, whatever today is
    reports = []
    for i in range(FLEET):
        report = synthetic.host_report(i, seed=11, windows_size=25, linux_size=25)
        report.update(collected_at=sent.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), report_id=str(uuid.uuid4()))
        tags = {"dept": "finance" if i % 3 == 0 else "sales"}
        secret = create_token(engine, "enroll", name="fleet", tags=tags).secret
        enroll_host(engine, find_token(engine, secret, ("enroll",), utcnow()), report["host"]["id"],
                    report["host"]["hostname"])
        ingest_report(engine, parse_report(json.dumps(report).encode()), report["host"]["id"], now=sent)
        reports.append(report)
    return reports


def _get(client, headers, path: str, params: dict):
    answer = client.get(f"/api/v1/admin/{path}", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer


def test_each_filter_selects_the_same_hosts_everywhere(client, admin_headers, fleet):
    linux = next(r["host"]["os"] for r in fleet if r["host"]["os"]["family"] == "linux")
    windows = next(r["host"]["os"] for r in fleet if r["host"]["os"]["family"] == "windows")
    filters = [
        {},
        {"os": "windows"},
        {"os": "Linux"},  # case does not matter
        {"os": linux["distro_id"]},
        {"os": linux["name"]},  # the OS name selects as well as family and distribution id
        {"os": windows["name"]},
        {"tag": ["dept=finance"]},
        {"tag": ["dept=sales"], "os": "linux"},
        {"os": "plan9"},
    ]
    selected = set()
    for params in filters:
        hosts = {h["id"] for h in _get(client, admin_headers, "hosts", params).json()["hosts"]}
        summary = _get(client, admin_headers, "summary", params).json()
        products = _get(client, admin_headers, "products", params).json()["products"]
        export = [json.loads(line) for line in
                  _get(client, admin_headers, "export", {**params, "format": "json"}).text.splitlines()]
        exported = {row["host_id"] for row in export}
        assert exported == hosts, params
        assert summary["hosts"]["reporting"] == len(hosts), params
        assert sum(os["hosts"] for os in summary["operating_systems"]) == len(hosts), params
        per_product = defaultdict(set)
        for row in export:
            per_product[row["vendor"], row["product"]].add(row["host_id"])
        for product in products:
            if product["product"]:
                key = product["vendor"], product["name"]
                assert product["hosts"] == len(per_product[key]), (params, key)
        selected.add(len(hosts))
    assert len(selected) > 3  # the filters really narrowed the fleet, differently
    assert 0 in selected and FLEET in selected

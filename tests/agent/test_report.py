"""The report envelope and the inventory hash the collector recomputes."""

from __future__ import annotations

import copy
import re
import uuid

from agent.report import SCHEMA, build_report, inventory_hash

HOST = {
    "id": "3d1219c7c4c5404aaa1f6d2a48adfda4",
    "id_source": "machine-id",
    "hostname": "ws-042",
    "boot_time": "2026-11-20T07:01:12Z",
    "os": {"family": "linux", "name": "Astra Linux", "version": "1.7.5", "distro_id": "astra"},
}
HARDWARE = {"cpu_cores": 4, "memory_bytes": 8264564736}
NETWORK = {
    "interfaces": [{"name": "eth0", "mac": "52:54:00:12:34:56", "addresses": ["10.0.0.5/24"]}]
}
SOFTWARE = [
    {"name": "zoom", "version": "6.2.5.3010", "source": "deb", "arch": "amd64", "id": "zoom"},
    {
        "name": "r7-office",
        "version": "2024.3.1-586",
        "source": "deb",
        "arch": "amd64",
        "id": "r7-office",
    },
    {
        "name": "org.telegram.desktop",
        "version": "5.8.3",
        "source": "flatpak",
        "scope": "user",
        "user": "ivanov",
    },
]


def _report(software=SOFTWARE, host=HOST):
    return build_report(
        copy.deepcopy(host),
        HARDWARE,
        NETWORK,
        copy.deepcopy(software),
        [{"source": "rpm", "message": "rpm database is locked"}],
        412,
    )


def test_envelope_follows_the_format():
    report = _report()
    assert report["schema"] == SCHEMA == "footprint.report/1"
    assert uuid.UUID(report["report_id"]).version == 4
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", report["collected_at"])
    assert report["agent"]["name"] == "footprint-agent" and report["agent"]["duration_ms"] == 412
    assert report["errors"] == [{"source": "rpm", "message": "rpm database is locked"}]
    assert re.fullmatch(r"[0-9a-f]{64}", report["inventory_hash"])
    assert report["inventory_hash"] == inventory_hash(report)


def test_same_inventory_same_hash_whatever_the_order_time_or_boot():
    first, second = _report(), _report(software=list(reversed(SOFTWARE)))
    assert first["report_id"] != second["report_id"]
    assert first["inventory_hash"] == second["inventory_hash"]
    rebooted = dict(HOST, boot_time="2026-11-23T06:00:00Z")
    assert _report(host=rebooted)["inventory_hash"] == first["inventory_hash"]


def test_a_version_change_changes_the_hash():
    upgraded = copy.deepcopy(SOFTWARE)
    upgraded[0]["version"] = "6.3.0.5527"
    assert _report(software=upgraded)["inventory_hash"] != _report()["inventory_hash"]


def test_host_facts_change_the_hash():
    renamed = dict(HOST, hostname="ws-043")
    assert _report(host=renamed)["inventory_hash"] != _report()["inventory_hash"]


def test_hash_is_independent_of_the_envelope():
    report = _report()
    expected = report["inventory_hash"]
    report.update(
        report_id=str(uuid.uuid4()),
        collected_at="2030-01-01T00:00:00Z",
        errors=[],
        agent={"name": "footprint-agent", "version": "9", "duration_ms": 1},
    )
    assert inventory_hash(report) == expected

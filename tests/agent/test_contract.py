"""The agent fits its own report to the contract: what it cannot represent is left out alone, and said."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent import contract
from agent.inventory import collect
from agent.report import build_report

WINDOWS = Path(__file__).parent / "fixtures" / "windows"
HOST = {"id": "3d1219c7c4c5404aaa1f6d2a48adfda4", "id_source": "machine-id", "hostname": "ws-042",
        "os": {"family": "linux", "name": "Astra Linux", "id_like": ["debian"]}}


def _item(name: str, version: str = "1.0", **fields) -> dict:
    return {"name": name, "version": version, "source": "deb", **fields}


def _report(software, host=None, hardware=None, network=None, errors=()) -> dict:
    return build_report(host or HOST, hardware or {}, network or {"interfaces": []}, software,
                        list(errors), 12, collected_at="2026-11-23T11:20:00Z")


def test_an_item_the_contract_cannot_carry_is_left_out_alone_and_named():
    software = [_item("bash", "5.2.15-2"), _item("evil\x00name"), _item("zoom", "6" * 300),
                _item("tzdata", "2024a", publisher="p" * 600)]
    report = _report(software)
    assert [item["name"] for item in report["software"]] == ["bash", "zoom", "tzdata"]
    assert "version" not in report["software"][1]  # an optional field is left out, the item stays
    assert "publisher" not in report["software"][2]
    assert [(e["source"], e["message"]) for e in report["errors"]] == [
        ("deb", 'software.1 left out: "evil\\x00name" 1.0 - software.1.name: contains a NUL character'),
        ("deb", "software.2.version left out: longer than 255 characters"),
        ("deb", "software.3.publisher left out: longer than 512 characters"),
    ]
    assert contract.problems(report) == []
    assert report["inventory_hash"] == contract.inventory_hash(report)


def test_host_hardware_and_network_values_out_of_range_are_left_out():
    host = {**HOST, "fqdn": "f" * 300, "os": {**HOST["os"], "ubr": 2**40}}
    hardware = {"memory_bytes": 2**63, "cpu_cores": True, "disks": [{"device": "/dev/sda", "size_bytes": -1}]}
    network = {"interfaces": [{"name": "eth0", "addresses": ["10.0.0.5/24", "a" * 65]}, {"mac": "00:11"}]}
    report = _report([_item("bash")], host, hardware, network)
    assert "fqdn" not in report["host"] and "ubr" not in report["host"]["os"]
    assert report["hardware"] == {"disks": [{"device": "/dev/sda"}]}
    assert report["network"] == {"interfaces": [{"name": "eth0", "addresses": ["10.0.0.5/24"]}]}
    assert [e["message"] for e in report["errors"]] == [
        "host.fqdn left out: longer than 255 characters",
        "host.os.ubr left out: not within 0..4294967295",
        "hardware.cpu_cores left out: not a whole number",
        "hardware.memory_bytes left out: not within 0..9223372036854775807",
        "hardware.disks.0.size_bytes left out: not within 0..9223372036854775807",
        "network.interfaces.0.addresses.1 left out: longer than 64 characters",
        "network.interfaces.1 left out: network.interfaces.1.name: missing",
    ]
    assert contract.problems(report) == []


def test_errors_beyond_the_limit_are_counted_not_sent():
    errors = [{"source": "rpm", "message": "m" * 5000, "path": "/" + "p" * 2000}] * 600
    report = _report([_item("bash")], errors=errors)
    assert len(report["errors"]) == contract.MAX_ERRORS
    assert report["errors"][0] == {"source": "rpm", "message": "m" * contract.MESSAGE}
    assert report["errors"][-1] == {"source": "agent", "message": "101 more errors left out"}
    assert contract.problems(report) == []


def test_a_broken_required_field_is_an_error_not_a_silent_report():
    with pytest.raises(contract.ContractError, match="host.id: does not match"):
        _report([_item("bash")], host={**HOST, "id": "has space"})


@pytest.mark.parametrize("text, valid", [
    ("2026-11-23T11:20:00Z", True), ("2026-11-23T11:20:00.123456789+05:00", True),
    ("2026-11-23 11:20:00-14:00", True), ("2026-11-23T11:20:00", False), ("2026-02-30T11:20:00Z", False),
    ("1970-01-01T00:00:00Z", False), ("9999-12-31T23:59:59-14:00", False), (1732360800, False),
])
def test_times_are_rfc3339_with_an_offset_within_the_contracts_years(text, valid):
    assert (contract.Time().problem(text) is None) is valid


def test_a_windows_xp_export_without_versions_or_computer_name_makes_a_valid_report():
    """11 of 27 programs have no DisplayVersion and the export has no ComputerName: every program is
    reported, without `version`, and the report has no hostname, as the contract allows."""
    report = collect(reg_exports=[str(WINDOWS / "xp-uninstall.reg")])
    assert contract.problems(report) == []
    assert "hostname" not in report["host"]
    unversioned = sorted(item["name"] for item in report["software"] if "version" not in item)
    assert len(report["software"]) == 27
    assert unversioned == sorted([
        "DAEMON Tools Lite", "FAR manager 1.75", "Java 2 Runtime Environment Standard Edition v1.4.2",
        "Microsoft .NET Framework 1.1", "Total Commander (Remove or Repair)",
        "Windows Genuine Advantage Notifications (KB905474)", "Windows Installer 3.1 (KB893803)",
        "Windows Management Framework Core", "Windows Media Format 11 runtime", "WinRAR archiver",
        "КонсультантПлюс"])
    assert json.loads(json.dumps(report, ensure_ascii=False)) == report


def test_every_agent_source_name_is_in_the_contract():
    from agent.sources import SOURCES, load_source

    names = {load_source(spec).name for specs in SOURCES.values() for spec in specs}
    assert names == set(contract.SOURCES) - set(contract.PHONE_SOURCES)

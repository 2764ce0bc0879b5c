"""GLPI agent JSON → footprint.report/1: sources, ids, publishers, dates and a stable host identity."""

from __future__ import annotations

import json

from agent.report import inventory_hash
from server.importers.inventory import read_inventory


def _report(inventory_bytes, name):
    _, reports = read_inventory(inventory_bytes(name))
    assert len(reports) == 1
    return reports[0]


def test_windows_inventory_maps_registry_uwp_and_users(inventory_bytes, software_by_name):
    report = _report(inventory_bytes, "glpi-agent-windows-ru.json")
    software = software_by_name(report)

    crypto = software["КриптоПро CSP"]
    assert crypto["source"] == "windows"
    assert crypto["id"] == "{50F91F80-D397-437C-B0C8-62128DE3B55E}"
    assert crypto["publisher"] == "Компания КриптоПро"
    assert crypto["install_date"] == "2024-07-24"
    assert crypto["extra"] == {"homepage": "http://www.cryptopro.ru"}
    assert software["1C Предприятие 7.7"]["id"] == "1C Предприятие 7.7.27"  # non-GUID key name kept
    assert software["Zoom Workplace (64-bit)"]["id"] == "{A0C8C1E4-2AB6-4BDE-A64B-7FBE6DA1C21E}"
    assert software["Zoom Workplace (64-bit)"]["scope"] == "user"
    assert software["Zoom Workplace (64-bit)"]["user"] == "s.ivanova"

    teams = software["Microsoft Teams"]
    assert (teams["source"], teams["id"]) == ("msix", "MSTeams_8wekyb3d8bbwe")
    explorer = software["Проводник"]
    assert explorer["id"] == "Microsoft.Windows.FileExplorer_cw5n1h2txyewy"
    assert "KB5046613" not in software  # hotfixes are updates, not programs
    assert "errors" not in report


def test_windows_host_facts_and_identity(inventory_bytes):
    report = _report(inventory_bytes, "glpi-agent-windows-ru.json")
    host = report["host"]
    assert host["id"] == "glpi:uuid:6a8f2c10-3d4b-11ee-9a51-f80dac4e21b7"
    assert host["id_source"] == "import:glpi"
    assert host["hostname"] == "BUH-PC-07"
    assert host["os"]["family"] == "windows"
    assert host["os"]["name"] == "Microsoft Windows 10 Pro"
    assert host["os"]["build"] == "19045"
    # Local agent times at +0300 become UTC.
    assert report["collected_at"] == "2026-11-20T06:15:42Z"
    assert host["boot_time"] == "2026-11-20T05:02:11Z"
    assert report["agent"] == {"name": "GLPI-Agent", "version": "1.11"}
    hardware = report["hardware"]
    assert (hardware["cpu_cores"], hardware["cpu_threads"]) == (6, 12)
    assert hardware["memory_bytes"] == 16146 * 1024 * 1024
    assert hardware["disks"] == [
        {"device": "OS", "mount": "C:", "fstype": "NTFS", "size_bytes": 487586 * 1024 * 1024}
    ]
    [nic] = report["network"]["interfaces"]  # loopback left out, two address rows merged
    assert nic["mac"] == "f8:0d:ac:4e:21:b7"
    assert nic["addresses"] == ["10.20.3.57/22", "fe80::5d1c:2a9e:7b10:3c44/64"]


def test_linux_sources_and_unmodelled_packagers_are_reported(inventory_bytes, software_by_name):
    report = _report(inventory_bytes, "glpi-agent-astra.json")
    software = software_by_name(report)
    assert {n: s["source"] for n, s in software.items()} == {
        "fly-fm": "deb", "r7-office": "deb", "yandex-browser-stable": "deb", "zoom": "deb",
        "telegram-desktop": "snap", "org.telegram.desktop": "flatpak",
    }
    # The GLPI agent writes the distribution (`lsb_release -i`) as every deb's publisher: not vendor evidence.
    assert software["fly-fm"]["extra"] == {"distributor": "AstraLinux", "section": "x11"}
    assert "publisher" not in software["zoom"]
    assert report["errors"] == [{
        "source": "import",
        "message": "not imported: 2 software entries from 'nix' (Footprint has no such software source)",
    }]
    assert report["host"]["os"]["distro_id"] == "astra"


def test_placeholder_uuid_and_serial_fall_back_to_the_device_id(inventory_bytes):
    # The board reports the well-known placeholder UUID and "To Be Filled By O.E.M.": neither identifies it.
    report = _report(inventory_bytes, "glpi-agent-astra.json")
    assert report["host"]["id"] == "glpi:deviceid:arm-kadry-12"


def test_a_newer_export_of_the_same_machine_keeps_its_identity(inventory_bytes):
    older = inventory_bytes("glpi-agent-windows-ru.json")
    newer = older.replace(b"2026-11-20-09-15-42", b"2026-11-23-08-00-03").replace(
        b'"logdate": "2026-11-20 09:15:42"', b'"logdate": "2026-11-23 08:00:03"'
    )
    _, [first] = read_inventory(older)
    _, [second] = read_inventory(newer)
    assert first["host"]["id"] == second["host"]["id"]
    assert first["report_id"] != second["report_id"]
    assert second["collected_at"] > first["collected_at"]
    assert inventory_hash(first) == inventory_hash(second)  # only the time changed
    # The same file imported twice is the same report, so the collector counts it once.
    assert read_inventory(older)[1][0]["report_id"] == first["report_id"]


def test_device_id_without_hardware_ids_drops_its_timestamp(inventory_bytes):
    without_ids = inventory_bytes("glpi-agent-windows-ru.json").replace(
        b'"uuid": "6A8F2C10-3D4B-11EE-9A51-F80DAC4E21B7",', b""
    ).replace(b'"ssn": "CZC3127FQ8"', b'"ssn": "Default string"')
    _, [report] = read_inventory(without_ids)
    assert report["host"]["id"] == "glpi:deviceid:buh-pc-07"


def test_entries_without_from_follow_the_host_os():
    # The GLPI agent's macOS module writes applications without FROM; on Linux that means an unknown packager.
    def inventory(kernel, name):
        return json.dumps({"deviceid": "mac-01-2026-11-20-10-00-00", "content": {
            "hardware": {"name": "mac-01"},
            "operatingsystem": {"kernel_name": kernel, "name": name, "full_name": name, "version": "14.6.1"},
            "softwares": [{"name": "Telegram", "version": "11.2", "publisher": "Telegram FZ-LLC",
                           "install_date": "2025-10-12"}],
        }}).encode()

    _, [mac] = read_inventory(inventory("darwin", "macOS"))
    assert mac["host"]["os"]["family"] == "macos"
    assert mac["software"][0]["source"] == "macos-app"
    _, [linux] = read_inventory(inventory("linux", "Ubuntu"))
    assert linux["software"] == []
    assert "not imported: 1 software entry from 'no source'" in linux["errors"][0]["message"]

"""Intune: the device list and its discovered-apps exports read together, one phone or tablet per device, what
Intune does not list said as incomplete, the summary export refused; real SQLite and PostgreSQL for the batch."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from server.cli import app
from server.importers import intune_csv
from server.importers.batch import import_files
from server.importers.limits import InventoryFileError
from server.store.queries import get_host, host_software_list
from tests.server.importers.conftest import FIXTURES

DEVICES = FIXTURES / "intune" / "DevicesWithInventory_8f0c2d1e-4a6b-4c8e-9f1a-3b5d7e9f0a2c.csv"
RAW = FIXTURES / "intune" / "AppInvRawData_2d4f6a8c-0e1b-4d3f-8a5c-7e9b1d3f5a7c.csv"
BY_DEVICE = FIXTURES / "intune" / "AppInvByDevice_9e3d7c15-2b8f-4e60-a1d4-6c0f8b2e7a39.csv"
SUMMARY = FIXTURES / "intune" / "AppInvAggregate_summary.csv"
IVANOV_IPHONE = "intune:9e3d7c15-2b8f-4e60-a1d4-6c0f8b2e7a39"


def _reports(*paths, replace=None):
    files = [(p.name, p.read_bytes()) for p in paths]
    if replace:
        files = [(name, data.replace(*replace)) for name, data in files]
    found, notes = intune_csv.reports(files)
    return {r["host"]["id"]: r for r in found}, notes


def test_each_phone_and_tablet_becomes_a_host_with_its_apps():
    hosts, notes = _reports(DEVICES, RAW, BY_DEVICE)
    assert len(hosts) == 6  # the Windows laptop is left to footprint-agent, and said so
    assert notes == ["1 Windows device not imported (a computer: inventory it with footprint-agent)",
                     "discovered apps of 1 device(s) not imported: not phones or tablets of the device list imported"]
    iphone = hosts[IVANOV_IPHONE]
    assert iphone["host"] == {"id": IVANOV_IPHONE, "id_source": "import:intune", "kind": "phone",
                              "hostname": "iPhone Иванова", "os": {"family": "ios", "name": "iOS", "version": "17.6.1"}}
    assert iphone["hardware"] == {"vendor": "Apple", "model": "iPhone 15 Pro", "serial": "F4GZQ1ABN72J"}
    assert iphone["collected_at"] == "2026-11-20T18:20:31Z" and "errors" not in iphone
    apps = {a["name"]: a for a in iphone["software"]}
    assert apps["Telegram Messenger"] == {"name": "Telegram Messenger", "source": "ios", "id": "ph.telegra.Telegraph",
                                          "version": "11.2", "version_code": "29157", "publisher": "Telegram FZ-LLC"}
    assert apps["VK: музыка, видео, мессенджер"]["id"] == "com.vk.vkclient"

    ipad = hosts["intune:e2b4d6f8-0a1c-4e3f-9b5d-7c9e1a3b5d7f"]
    assert (ipad["host"]["kind"], ipad["host"]["os"]["name"]) == ("tablet", "iPadOS")
    xiaomi = hosts["intune:c7a90d44-1e5b-4f2a-8c03-9b6e2d71f4a8"]
    assert xiaomi["host"]["os"] == {"family": "android", "name": "Android", "version": "13",
                                    "security_patch": "2026-09-01"}
    # the org-wide raw export names apps, not packages: no id is made up for them
    gosuslugi = next(a for a in xiaomi["software"] if a["name"] == "Госуслуги")
    assert gosuslugi == {"name": "Госуслуги", "source": "android", "version": "4.57.1", "publisher": "Минцифры России"}


def test_what_intune_does_not_list_makes_the_host_incomplete():
    hosts, _ = _reports(DEVICES, RAW, BY_DEVICE)

    def said(device):
        return [e["message"] for e in hosts[f"intune:{device}"].get("errors", [])]

    assert said("4a6c8e0f-2d4b-4f6a-8c0e-3b5d7f9a1c2e") == [
        "personally-owned: Intune lists only the apps it manages on it"]
    assert said("5b1c2f0e-8d3a-4c61-9e27-3f0a6b4d1c92") == [
        "Android work profile: Intune lists only the work profile's apps"]
    assert said("1f4e8b2a-6c0d-4a93-b5e7-2d9c0a6f3e15") == [
        "no discovered apps for this device in the exports imported "
        "(Intune lists none for a fully managed or dedicated Android)"]
    assert hosts["intune:1f4e8b2a-6c0d-4a93-b5e7-2d9c0a6f3e15"]["software"] == []


def test_the_summary_export_is_refused_because_its_counts_name_no_device():
    with pytest.raises(InventoryFileError) as refused:
        _reports(DEVICES, RAW, SUMMARY)
    assert str(refused.value).startswith("AppInvAggregate_summary.csv: an Intune discovered-apps summary")
    assert "cannot be tied to any device" in str(refused.value)


def test_one_export_alone_is_refused_with_the_other_it_needs():
    with pytest.raises(InventoryFileError, match="in the same footprint import") as devices_alone:
        _reports(DEVICES)
    assert "would erase the apps stored" in str(devices_alone.value)
    with pytest.raises(InventoryFileError, match="name devices by id only"):
        _reports(RAW)


@pytest.mark.parametrize(("replace", "said"), [
    ((b'"2026-11-21 06:02:11.0000000"', b'"21.11.2026 06:02"'),
     "DevicesWithInventory_8f0c2d1e-4a6b-4c8e-9f1a-3b5d7e9f0a2c.csv, line 3, 'Last check-in': '21.11.2026 06:02' "
     "is not a time"),
    ((b'"c7a90d44-1e5b-4f2a-8c03-9b6e2d71f4a8","2201123G_XIAOMI"', b'"c7a90d44","2201123G_XIAOMI"'),
     "line 3: 'Device ID' 'c7a90d44' is not an Intune device id"),
    ((b'"Xiaomi","2201123G"', b'"Xiaomi","2201123G","extra"'), "line 3: 52 fields where the header has 51"),
])
def test_a_broken_row_is_named_by_file_line_and_column(replace, said):
    with pytest.raises(InventoryFileError) as broken:
        _reports(DEVICES, RAW, replace=replace)
    assert said in str(broken.value)


def test_the_header_tells_the_export_apart_whatever_the_spelling():
    assert intune_csv.kind_of(b'\xef\xbb\xbf"Application Name","Device ID","Platform"\r\n') == intune_csv.APPS
    assert intune_csv.kind_of(b"ApplicationName,DeviceCount,Platform\n") == intune_csv.SUMMARY
    assert intune_csv.kind_of(DEVICES.read_bytes()[:4096]) == intune_csv.DEVICES
    assert intune_csv.kind_of(b"Name,Version\nzoom,6.2\n") is None


def test_the_bundle_is_stored_as_one_and_a_bad_member_stores_nothing(engine, tmp_path):
    summary = import_files(engine, [RAW, DEVICES, BY_DEVICE], {"source": "intune"})
    assert (summary.files, len(summary.added), summary.formats) == (3, 6, {"intune-csv": 1})
    assert [note for _, note in summary.notes][0].startswith("1 Windows device not imported")
    with engine.connect() as conn:
        host = get_host(conn, IVANOV_IPHONE)
        apps = {row["name"] for row in host_software_list(conn, IVANOV_IPHONE)}
    assert host["hostname"] == "iPhone Иванова" and "WhatsApp Messenger" in apps

    broken = tmp_path / "AppInvRawData_broken.csv"
    broken.write_bytes(RAW.read_bytes().replace(b'"Telegram","Telegram FZ-LLC"', b'"Telegram","Telegram FZ-LLC",""'))
    again = import_files(engine, [DEVICES, broken])
    [(name, reason)] = again.rejected
    assert name == f"{DEVICES} + {broken}" and "AppInvRawData_broken.csv, line" in reason
    assert (again.files, again.files_rejected, again.added + again.updated) == (2, 2, [])


def test_the_cli_says_what_the_exports_left_out(tmp_path):
    result = CliRunner().invoke(app, ["import", str(DEVICES), str(RAW), "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 0, result.output
    assert "Imported 2 of 2 files (1 intune-csv): 6 hosts added" in result.output
    assert "Left out of the files imported:" in result.output and "1 Windows device not imported" in result.output
    refused = CliRunner().invoke(app, ["import", str(SUMMARY), "--data-dir", str(tmp_path / "data")])
    assert refused.exit_code == 1 and "cannot be tied to any device" in refused.output

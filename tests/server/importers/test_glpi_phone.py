"""GLPI's Android agent: its GLPI JSON (itemtype Phone) and its FusionInventory XML become phones with apps of
source android by package name, where before they were refused (JSON) or lost their apps (XML)."""

from __future__ import annotations

from server.importers.inventory import read_inventory


def test_a_glpi_phone_inventory_is_a_phone_with_package_ids(inventory_bytes, software_by_name):
    fmt, [report] = read_inventory(inventory_bytes("glpi-android-huawei.json"))
    assert fmt == "glpi-json"
    host = report["host"]
    assert (host["id"], host["kind"], host["hostname"]) == ("glpi:serial:UYN0221A19004513", "phone", "HUAWEI-ELS-NX9")
    assert host["os"] == {"family": "android", "name": "Android", "version": "10.0", "arch": "arm64-v8a"}
    assert report["hardware"] == {"vendor": "HUAWEI", "model": "ELS-NX9", "serial": "UYN0221A19004513"}
    assert report["collected_at"] == "2026-11-19T07:42:07Z"  # logdate at the phone's +0300
    apps = software_by_name(report)
    assert apps["Госуслуги"] == {
        "name": "Госуслуги", "source": "android", "id": "ru.rostel", "version": "4.57.1", "app_type": "user",
        "install_date": "2026-03-14", "location": "/data/app/ru.rostel-Hc2l0ZYkqU3wPnXvN9Jm4w==",
        "extra": {"uid": "10231"}}
    # a factory app: part of the firmware, and its 2008 image date is no install date
    assert (apps["AppGallery"]["app_type"], "install_date" in apps["AppGallery"]) == ("system", False)
    assert "errors" not in report


def test_the_agents_xml_names_no_release_past_its_levels_so_the_api_level_tells(inventory_bytes, software_by_name):
    fmt, [report] = read_inventory(inventory_bytes("glpi-android-samsung.xml"))
    assert fmt == "fusion-xml"
    assert report["host"]["os"] == {"family": "android", "name": "Android", "version": "14", "arch": "arm64-v8a"}
    assert report["host"]["kind"] == "phone"
    apps = software_by_name(report)
    assert apps["Telegram"]["id"] == "org.telegram.messenger"
    assert apps["Telegram"]["install_date"] == "2025-05-21"  # dd/MM/yyyy
    assert apps["Chrome"]["app_type"] == "system" and apps["Сообщения"]["app_type"] == "system"


def test_rows_of_another_source_are_counted_not_dropped(inventory_bytes):
    mixed = inventory_bytes("glpi-android-huawei.json").replace(
        b'"comments": "com.tencent.mm",\n                "version": "8.0.53",\n                "filesize": 302117456,\n'
        b'                "from": "Android"',
        b'"comments": "com.tencent.mm",\n                "version": "8.0.53",\n                "filesize": 302117456,\n'
        b'                "from": "Windows"')
    _, [report] = read_inventory(mixed)
    assert report["errors"] == [{"source": "import", "message": "not imported: 1 software entry of an Android "
                                 "inventory not from 'Android'"}]


def test_a_tablet_is_told_by_its_model(inventory_bytes):
    tablet = inventory_bytes("glpi-android-huawei.json").replace(b'"ELS-NX9"', b'"MatePad 11"')
    _, [report] = read_inventory(tablet)
    assert report["host"]["kind"] == "tablet"


def test_sections_of_the_wrong_shape_count_as_absent(inventory_bytes):
    odd = inventory_bytes("glpi-android-huawei.json").replace(b'"bios": {', b'"bios": "none", "was_bios": {')
    _, [report] = read_inventory(odd)
    assert report["host"]["id"] == "glpi:deviceid:huawei-els-nx9" and report["hardware"] == {}

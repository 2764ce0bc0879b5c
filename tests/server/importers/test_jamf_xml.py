"""Jamf Pro mobile device records (Classic API XML): one iPhone or iPad each, apps by bundle id; the device list
and non-phones are refused with the reason."""

from __future__ import annotations

import pytest

from server.importers.inventory import read_inventory
from server.importers.limits import InventoryFileError


def test_a_device_record_is_a_phone_with_its_apps(inventory_bytes, software_by_name):
    fmt, [report] = read_inventory(inventory_bytes("jamf/mobiledevice-id-84.xml"))
    assert fmt == "jamf-xml"
    assert report["host"] == {
        "id": "jamf:udid:00008120-001a3c4e0e91401e", "id_source": "import:jamf", "kind": "phone",
        "hostname": "iPhone Соколовой", "os": {"family": "ios", "name": "iOS", "version": "17.6.1", "build": "21G93"}}
    assert report["hardware"] == {"vendor": "Apple", "model": "iPhone 15", "serial": "HX7QK2ABP0F1"}
    assert report["collected_at"] == "2026-11-20T09:17:22Z"  # last_inventory_update_epoch, in milliseconds
    apps = software_by_name(report)
    assert apps["Telegram"] == {"name": "Telegram", "source": "ios", "id": "ph.telegra.Telegraph",
                                "version": "11.2", "version_code": "29157"}
    assert apps["ВКонтакте"]["id"] == "com.vk.vkclient" and len(apps) == 7


def test_saved_records_of_several_devices_and_an_ipad_on_ipados(inventory_bytes):
    _, reports = read_inventory(inventory_bytes("jamf/mobiledevices-records-16.xml"))
    assert [(r["host"]["kind"], r["host"]["os"]["name"], r["host"]["hostname"]) for r in reports] == [
        ("tablet", "iPadOS", "iPad Приёмная"), ("phone", "iOS", "iPhone Кузнецова")]


def test_the_epoch_missing_falls_back_to_the_utc_text(inventory_bytes):
    record = inventory_bytes("jamf/mobiledevice-id-84.xml").replace(
        b"<last_inventory_update_epoch>1795166242000</last_inventory_update_epoch>", b"")
    _, [report] = read_inventory(record)
    assert report["collected_at"] == "2026-11-20T09:17:22Z"


@pytest.mark.parametrize(("document", "said"), [
    (b"<mobile_devices><size>1</size><mobile_device><id>84</id><name>iPhone</name><udid>00008120-001A</udid>"
     b"</mobile_device></mobile_devices>", "device list without the devices' records"),
    (b"<mobile_device><general><udid>abc</udid><os_type>tvOS</os_type><last_inventory_update_epoch>1795166242000"
     b"</last_inventory_update_epoch></general></mobile_device>", "os_type 'tvos' is not iOS or iPadOS"),
    (b"<mobile_device><general><name>iPhone</name></general></mobile_device>", "has no <udid>"),
    (b"<mobile_device><general><udid>abc</udid><last_inventory_update_utc>yesterday</last_inventory_update_utc>"
     b"</general></mobile_device>", "last_inventory_update_utc 'yesterday' is not a time"),
])
def test_what_is_not_a_phone_record_is_refused_with_the_reason(document, said):
    with pytest.raises(InventoryFileError, match=said):
        read_inventory(document)

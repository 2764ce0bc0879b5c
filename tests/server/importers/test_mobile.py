"""The phone importers' shared facts: an app id only when it is one, tablets told by model, iPadOS from 13."""

from __future__ import annotations

from server.importers.mobile import app_id, app_item, apple_os_name, device_kind


def test_an_app_id_is_taken_only_in_its_own_shape():
    assert app_id("ph.telegra.Telegraph") == "ph.telegra.Telegraph" and app_id(" com.whatsapp ") == "com.whatsapp"
    assert [app_id(v) for v in ("Telegram", "4f5c9a", "{0A1B}", "", None, "a." * 200 + "b")] == [None] * 6


def test_tablets_by_model_and_ipados_from_13():
    assert [device_kind(m) for m in ("iPad Air (5th generation)", "SM-X710", "MatePad 11", "Xiaomi Pad 6",
                                     "Lenovo Tab M10", "Pixel Tablet")] == ["tablet"] * 6
    assert [device_kind(m) for m in ("iPhone 15 Pro", "SM-S911B", "2201123G", "Pixel 8", None)] == ["phone"] * 5
    assert device_kind("iPad", "iPad13,18") == "tablet" and device_kind(None, "iPhone15,4") == "phone"
    assert (apple_os_name("tablet", "17.5.1"), apple_os_name("tablet", "12.5.7"), apple_os_name("phone", "17.6")) == (
        "iPadOS", "iOS", "iOS")


def test_an_app_item_keeps_what_is_known_and_always_a_version():
    assert app_item("android", "  ") is None
    assert app_item("ios", "Госуслуги", None, app_id="", publisher="Минцифры России") == {
        "name": "Госуслуги", "source": "ios", "publisher": "Минцифры России", "version": ""}

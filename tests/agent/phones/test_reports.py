"""What a phone's report says, from the real tools' output of three Android vendors (one Chinese build) and
two iOS major versions."""

from __future__ import annotations

import pytest

from agent.phones import android, devices, ios
from tests.support.phone_tools import HUAWEI, IPAD, IPHONE, PHONES, SAMSUNG, XIAOMI


def _report(fake_tools, platform: str, serial: str) -> dict:
    if platform == "android":
        fake_tools.attach(android=[serial])
        device = {"platform": "android", "serial": serial, "state": "device"}
    else:
        fake_tools.attach(ios=[serial])
        device = {"platform": "ios", "serial": serial, "state": "device"}
    return devices.report(device)


def _apps(report: dict) -> dict:
    return {item["id"]: item for item in report["software"]}


def test_samsung_one_ui(fake_tools):
    report = _report(fake_tools, "android", SAMSUNG)
    assert report["host"] == {"id": f"android-{SAMSUNG}", "id_source": "android-serial", "kind": "phone",
                              "hostname": "SM-S911B",
                              "os": {"family": "android", "name": "Android", "version": "14",
                                     "build": "UP1A.231005.007.S911BXXS3BXA1", "arch": "arm64-v8a",
                                     "security_patch": "2024-01-01", "product_name": "One UI",
                                     "display_version": "6.0"}}
    assert report["hardware"] == {"vendor": "samsung", "model": "SM-S911B", "serial": SAMSUNG}
    apps = _apps(report)
    assert len(apps) == 12 and all(item["source"] == "android" for item in apps.values())
    assert apps["com.whatsapp"] == {
        "name": "com.whatsapp", "source": "android", "id": "com.whatsapp", "version": "2.24.10.80",
        "version_code": "241036006", "app_type": "user", "installer": "com.android.vending",
        "install_date": "2024-02-11T15:40:07Z",  # 18:40:07 in Europe/Moscow
        "location": "/data/app/~~kFq0R8Zp1xJv3Hn2YwTq4A==/com.whatsapp-Gk2m1PqLr8sVt0uXyZaBcQ==/base.apk",
        "extra": {"uid": "10245"}}
    # an updated system app: its running version, not the factory copy listed under "Hidden system packages"
    assert apps["com.android.chrome"]["version"] == "122.0.6261.119"
    assert apps["com.android.chrome"]["app_type"] == "system"
    assert "install_date" not in apps["com.android.settings"]  # the 2009 stamp of factory apps means unknown
    assert apps["ru.rostel"]["installer"] == "com.sec.android.app.samsungapps"
    assert "installer" not in apps["ru.vk.store"]  # installer=null: sideloaded
    assert report["errors"] == []


def test_xiaomi_hyperos_is_a_build_of_its_own(fake_tools):
    report = _report(fake_tools, "android", XIAOMI)
    os_facts = report["host"]["os"]
    assert (os_facts["product_name"], os_facts["display_version"]) == ("Xiaomi HyperOS", "OS1.0.26.0.UNCEUXM")
    assert report["hardware"]["vendor"] == "Xiaomi" and report["host"]["kind"] == "phone"
    wechat = _apps(report)["com.tencent.mm"]
    assert wechat["installer"] == "com.xiaomi.mipicks"
    assert wechat["install_date"] == "2024-04-02T13:30:55Z"  # Asia/Shanghai is UTC+8


def test_huawei_emui_on_android_10_keeps_install_times_at_package_level(fake_tools):
    report = _report(fake_tools, "android", HUAWEI)
    os_facts = report["host"]["os"]
    assert (os_facts["name"], os_facts["version"], os_facts["product_name"], os_facts["display_version"]) == \
        ("Android", "10", "EMUI", "12.0.0")
    assert os_facts["build"] == "VOG-L29 12.0.0.167(C431E8R3P1)"
    apps = _apps(report)
    assert apps["org.telegram.messenger"]["installer"] == "com.huawei.appmarket"
    assert apps["org.telegram.messenger"]["install_date"] == "2023-08-19T11:22:03Z"
    assert apps["com.google.android.gms"]["app_type"] == "system"
    assert apps["com.viber.voip"]["app_type"] == "user"


def test_iphone_ios_17_with_cyrillic_names(fake_tools):
    report = _report(fake_tools, "ios", IPHONE)
    assert report["host"] == {"id": f"ios-{IPHONE}", "id_source": "ios-udid", "kind": "phone",
                              "hostname": "iPhone (Петров А.В.)",
                              "os": {"family": "ios", "name": "iOS", "version": "17.5.1", "build": "21F90",
                                     "arch": "arm64e"}}
    assert report["hardware"] == {"vendor": "Apple", "model": "iPhone16,1", "serial": "F2LXK9P3QW"}
    apps = _apps(report)
    assert apps["ru.yandex.yandexmaps"]["name"] == "Яндекс Карты"
    assert apps["com.vk.vkclient"]["name"] == "ВКонтакте"  # no CFBundleDisplayName: CFBundleName
    assert apps["ph.telegra.Telegraph"] == {
        "name": "Telegram", "source": "ios", "id": "ph.telegra.Telegraph", "version": "10.13.2",
        "version_code": "28631", "app_type": "user",
        "location": "/private/var/containers/Bundle/Application/7A6B5C4D-3E2F-4A1B-9C8D-7E6F5A4B3C2D/Telegram.app"}
    assert apps["com.apple.mobilesafari"]["app_type"] == "system"


def test_ipad_runs_ipados_and_is_a_tablet(fake_tools):
    report = _report(fake_tools, "ios", IPAD)
    assert report["host"]["kind"] == "tablet"
    assert (report["host"]["os"]["name"], report["host"]["os"]["version"]) == ("iPadOS", "16.7.8")
    assert _apps(report)["com.google.Docs"]["name"] == "Документы"


def test_adb_device_lines_in_every_state():
    text = (PHONES / "adb-devices.txt").read_text() + (
        "emulator-5554          offline transport_id:7\n"
        "0123456789ABCDEF       no permissions (user in plugdev group; are your udev rules wrong?); "
        "see [http://developer.android.com/tools/device.html] usb:1-4 transport_id:8\n")
    states = {d["serial"]: d["state"] for d in android.parse_devices(text)}
    assert states == {SAMSUNG: "device", XIAOMI: "device", HUAWEI: "device", "RF8N30XYZAB": "unauthorized",
                      "emulator-5554": "offline", "0123456789ABCDEF": "no permissions"}


@pytest.mark.parametrize("code, words", [(-17, "unlock it"), (-18, "refused to trust"), (-19, "tap Trust"),
                                         (-21, "not paired")])
def test_each_lockdownd_refusal_says_what_to_do(code, words):
    names = {-17: "Password protected", -18: "User denied pairing", -19: "Pairing dialog response pending",
             -21: "Invalid HostID"}
    error = ios.refusal(IPHONE, f"ERROR: Could not connect to lockdownd: {names[code]} ({code})\n")
    assert error.exit_code == 4 and words in str(error) and IPHONE in str(error)


def test_a_broken_plist_is_a_phone_error_not_a_traceback():
    with pytest.raises(ios.PhoneError, match="does not parse"):
        ios.parse_apps('<?xml version="1.0"?><plist><array><dict><key>x</key></array>')

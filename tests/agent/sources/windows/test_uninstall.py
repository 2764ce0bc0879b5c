"""Uninstall keys: visibility rules, views, user hives, UpgradeCodes; exports and a fake winreg."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from agent.sources.windows import uninstall
from agent.sources.windows.uninstall import (
    UninstallSource,
    collect_from_exports,
    display_version,
    install_date,
    pack_guid,
    unpack_guid,
)
from agent.windows_registry.reader import REG_DWORD, REG_EXPAND_SZ, REG_SZ, RegValue, WinregReader

FIXTURES = Path(__file__).parents[2] / "fixtures" / "windows"
SAMPLES = Path("/work/shared/samples/windows")
SID = "S-1-5-21-3623811015-3361044348-30300820-1013"
SID2 = "S-1-5-21-3623811015-3361044348-30300820-1014"


def by_name(result):
    return {(item.name, item.user): item for item in result.items}


def test_packed_guid_transform():
    # Windows Installer stores {23170F69-40C1-2702-2201-000001000000} under this packed name.
    assert pack_guid("{23170F69-40C1-2702-2201-000001000000}") == "96F071321C0420722210000010000000"
    assert unpack_guid("96F071321C0420720000000040000000") == "{23170F69-40C1-2702-0000-000004000000}"
    for _ in range(50):
        guid = f"{{{str(uuid.uuid4()).upper()}}}"
        assert unpack_guid(pack_guid(guid)) == guid
    with pytest.raises(ValueError):
        pack_guid("{not-a-guid}")


def test_export_applies_apps_and_features_rules_and_views():
    result = collect_from_exports([str(FIXTURES / "ru-win11-uninstall.reg")])
    assert result.errors == []
    items = by_name(result)
    assert set(items) == {
        ("7-Zip 22.01 (x64 edition)", None),
        ("Microsoft 365 Apps для предприятий - ru-ru", None),
        ("Яндекс Мессенджер", None),
        ("КриптоПро CSP", None),
        ("Microsoft Edge", None),
        ("Яндекс.Браузер для организаций", None),
        ("Zoom Workplace (64-bit)", "ivanov"),
        ("Zoom Workplace (64-bit)", SID2),  # no ProfileList entry: the SID stands in for the name
        ("Telegram Desktop", "ivanov"),
    }  # not: SystemComponent=1, ParentKeyName update, Hotfix, no DisplayName, the [-deleted] key

    seven_zip = items[("7-Zip 22.01 (x64 edition)", None)]
    assert seven_zip.to_dict() == {
        "name": "7-Zip 22.01 (x64 edition)",
        "version": "22.01.00.0",
        "source": "windows",
        "publisher": "Igor Pavlov",
        "arch": "x64",
        "install_date": "2024-03-11",
        "id": "{23170F69-40C1-2702-2201-000001000000}",
        "scope": "system",
        "location": "C:\\Program Files\\7-Zip\\",
        "extra": {"upgrade_code": "{23170F69-40C1-2702-0000-000004000000}"},
    }
    cryptopro = items[("КриптоПро CSP", None)]
    assert (cryptopro.arch, cryptopro.publisher) == ("x86", "Компания КриптоПро")
    assert items[("Microsoft Edge", None)].publisher == "Корпорация Майкрософт"
    assert items[("Яндекс Мессенджер", None)].install_date == "2024-09-24"  # DD.MM.YYYY
    assert items[("Microsoft 365 Apps для предприятий - ru-ru", None)].id is None  # not a ProductCode

    zoom = items[("Zoom Workplace (64-bit)", "ivanov")]
    assert (zoom.scope, zoom.arch, zoom.version) == ("user", None, "6.2.5 (48301)")


def test_native_arch_unknown_without_wow6432node_and_cp1251_export():
    result = collect_from_exports([str(FIXTURES / "regedit4-cp1251.reg")])
    items = by_name(result)
    kes = items[("Kaspersky Endpoint Security для Windows", None)]
    assert kes.publisher == "АО «Лаборатория Касперского»"
    assert kes.arch is None  # no WOW6432Node in the export: 32- or 64-bit Windows cannot be told
    assert items[("КонсультантПлюс", None)].location == "C:\\Consultant Plus\\"


def test_malformed_export_is_an_error_and_the_other_files_still_count():
    result = collect_from_exports([str(FIXTURES / "malformed.reg"), str(FIXTURES / "regedit4-cp1251.reg")])
    assert len(result.items) == 3
    [error] = result.errors
    assert error.path == str(FIXTURES / "malformed.reg")
    assert "line 9" in error.message and "bad hex byte list" in error.message


def test_same_key_in_both_views_and_twice_exported_counts_once(tmp_path):
    body = "\r\n".join(
        [
            "Windows Registry Editor Version 5.00",
            "",
            r"[HKEY_LOCAL_MACHINE\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\Foo]",
            '"DisplayName"="Foo"',
            '"DisplayVersion"="1.0"',
            "",
            r"[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\Foo]",
            '"DisplayName"="Foo"',
            '"DisplayVersion"="1.0"',
            "",
            r"[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\Foo2]",
            '"DisplayName"="Foo"',
            '"DisplayVersion"="2.0"',
            "",
        ]
    )
    path = tmp_path / "dup.reg"
    path.write_bytes(b"\xff\xfe" + body.encode("utf-16-le"))
    result = collect_from_exports([str(path), str(path)])
    assert sorted((i.version, i.arch) for i in result.items) == [("1.0", "x64"), ("2.0", "x64")]


@pytest.mark.parametrize(
    "values, expected",
    [
        ({"DisplayVersion": "5.0.12000", "Version": 0x05002EE0}, "5.0.12000"),
        ({"Version": 0x05002EE0}, "5.0.12000"),
        ({"VersionMajor": 11, "VersionMinor": 2}, "11.2"),
        ({"DisplayVersion": "  "}, ""),
        ({"DisplayVersion": "3.1.4\x01\x7f\x03garbage"}, "3.1.4"),
    ],
)
def test_display_version_fallbacks(values, expected):
    typed = {
        name.lower(): RegValue(name, REG_DWORD if isinstance(data, int) else REG_SZ, data)
        for name, data in values.items()
    }
    assert display_version(typed) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("20210724", "2021-07-24"),
        ("2021-07-24", "2021-07-24"),
        ("24.07.2021", "2021-07-24"),
        ("20211341", None),
        ("7/24/2021", None),
        ("", None),
        (None, None),
    ],
)
def test_install_date(text, expected):
    assert install_date(text) == expected


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="real regedit exports in /work/shared/samples not present")
def test_real_exports_give_software():
    result = collect_from_exports(sorted(str(p) for p in SAMPLES.glob("*.reg")))
    assert result.errors == []
    names = {item.name for item in result.items}
    assert {"КриптоПро CSP", "Git version 2.12.2.2", "Mozilla Firefox 57.0.2 (fr)"} <= names
    assert all(item.name and item.source == "windows" for item in result.items)


def test_live_source_over_fake_winreg(monkeypatch, fake_winreg):
    base = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall"
    user_key = rf"HKEY_USERS\{SID}\Software\Microsoft\Windows\CurrentVersion\Uninstall"
    profile = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList"
    native = {
        base + r"\Far Manager 3 x64": [
            ("DisplayName", "Far Manager 3 x64", REG_SZ),
            ("DisplayVersion", "3.0.6364", REG_SZ),
        ],
        base + r"\Hidden": [
            ("DisplayName", "Hidden", REG_SZ),
            ("SystemComponent", 1, REG_DWORD),
        ],
        user_key.replace("Software", "Software\\WOW6432Node") + r"\Telegram Desktop_is1": [
            ("DisplayName", "Telegram Desktop", REG_SZ)
        ],
        user_key + r"\ZoomUMX": [
            ("DisplayName", "Zoom Workplace (64-bit)", REG_SZ),
            ("DisplayVersion", "6.2.5 (48301)", REG_SZ),
        ],
        rf"HKEY_USERS\{SID}_Classes\Software": [],
        rf"HKEY_USERS\{SID2}\Software": [],
        profile + "\\" + SID: [("ProfileImagePath", r"C:\Users\petrova", REG_EXPAND_SZ)],
    }
    wow = {
        base + r"\Foxit Reader": [
            ("DisplayName", "Foxit PDF Reader", REG_SZ),
            ("DisplayVersion", "12.1.2", REG_SZ),
        ]
    }
    # SID2's Uninstall key is unreadable: a SourceError naming the key, not a crash.
    fake_winreg(native, wow, denied=[user_key.replace(SID, SID2)])
    monkeypatch.setattr(uninstall, "os_is_64bit", lambda: True)
    monkeypatch.setattr(uninstall, "is_windows", lambda: True)

    source = UninstallSource()
    assert source.available()
    result = source.collect()
    got = sorted((i.name, i.arch, i.scope, i.user) for i in result.items)
    assert got == [
        ("Far Manager 3 x64", "x64", "system", None),
        ("Foxit PDF Reader", "x86", "system", None),
        ("Telegram Desktop", None, "user", "petrova"),
        ("Zoom Workplace (64-bit)", None, "user", "petrova"),
    ]
    [error] = result.errors
    assert error.path == rf"HKEY_USERS\{SID2}\Software\Microsoft\Windows\CurrentVersion\Uninstall"
    assert "Access is denied" in error.message


def test_winreg_reader_uses_the_view_flags(fake_winreg):
    fake_winreg({r"HKEY_LOCAL_MACHINE\A": []}, wow={r"HKEY_LOCAL_MACHINE\B": []})
    assert WinregReader("64").subkeys("HKLM") == ["A"]
    assert WinregReader("32").subkeys("HKLM") == ["B"]

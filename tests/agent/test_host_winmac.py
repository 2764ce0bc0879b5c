"""Windows host facts over a faked registry (a .reg fixture); macOS facts over canned command output."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from agent import _host_macos, _host_windows
from agent.windows_registry.regfile import RegFileReader

FIXTURES = Path(__file__).parent / "fixtures" / "windows"
CURRENT_VERSION = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion"

IOREG_OUTPUT = """\
+-o J316sAP  <class IOPlatformExpertDevice, id 0x100000213, registered, matched, active, busy 0 \
(0 ms), retain 33>
    {
      "IOPolledInterface" = "AppleARMWatchdogTimerHibernateHandler is not serializable"
      "#address-cells" = <02000000>
      "IOPlatformSerialNumber" = "C02FK3ABQ6L4"
      "compatible" = <"J316sAP","MacBookPro18,1","AppleARM">
      "IOPlatformUUID" = "5c9a7e43-0f2b-5b8f-9d1e-6a3b4c2d1e0f"
      "platform-name" = <"t6000">
      "manufacturer" = <"Apple Inc.">
      "model" = <"MacBookPro18,1">
      "IOBusyInterest" = "IOCommand is not serializable"
      "name" = <"device-tree">
    }
"""


@pytest.fixture
def win11():
    return RegFileReader.from_files([FIXTURES / "host-win11.reg"])


def test_windows_host_id_os_and_hardware(win11):
    assert _host_windows.host_id(win11) == ("6c1b0a39-2f4e-4d7a-9b8e-3f51c2d0a7e4", "MachineGuid")
    assert _host_windows.os_facts(win11) == {
        "family": "windows",
        "name": "Microsoft Windows 11 Pro",  # ProductName still says "Windows 10 Pro"
        "version": "10.0.22631.4460",
        "product_name": "Windows 11 Pro",
        "display_version": "23H2",
        "build": "22631",
        "ubr": 4460,
        "arch": "x86_64",
    }
    assert _host_windows.hardware_facts(win11) == {
        "vendor": "LENOVO",
        "model": "20L5CTO1WW",
        "serial": "PF1ABCDE",  # only in the raw SMBIOS tables
    }


def test_windows_10_and_older_keys():
    reader = RegFileReader()
    reader.loads(
        "\r\n".join(
            [
                "Windows Registry Editor Version 5.00",
                "",
                f"[{CURRENT_VERSION}]",
                '"ProductName"="Windows 10 Enterprise LTSC 2019"',
                '"CurrentVersion"="6.3"',
                '"CurrentBuildNumber"="17763"',
                '"ReleaseId"="1809"',
                '"UBR"=dword:000016a6',
                "",
                r"[HKEY_LOCAL_MACHINE\HARDWARE\DESCRIPTION\System\BIOS]",
                '"SystemManufacturer"="System manufacturer"',
                '"SystemProductName"="To Be Filled By O.E.M."',
                "",
            ]
        )
    )
    facts = _host_windows.os_facts(reader)
    assert facts["name"] == "Microsoft Windows 10 Enterprise LTSC 2019"
    assert (facts["version"], facts["display_version"], facts["ubr"]) == ("6.3.17763.5798", "1809", 5798)
    assert _host_windows.host_id(reader) is None
    assert _host_windows.hardware_facts(reader) == {}  # placeholders identify nothing


@pytest.mark.parametrize(
    "name, build, expected",
    [
        ("Windows 10 Pro", 22621, "Windows 11 Pro"),
        ("Windows 10 Pro", 19045, "Windows 10 Pro"),
        ("Windows Server 2022 Standard", 20348, "Windows Server 2022 Standard"),
        ("Windows 10 Enterprise", None, "Windows 10 Enterprise"),
    ],
)
def test_windows_11_name_fix(name, build, expected):
    assert _host_windows.windows_product_name(name, build) == expected


def test_smbios_parser_stops_on_truncated_data():
    header = bytes([0, 3, 2, 0]) + struct.pack("<I", 0)
    assert _host_windows.smbios_system(header + bytes([1, 0x1B, 1, 0, 1, 2])) == {}
    assert _host_windows.smbios_system(b"") == {}


@pytest.fixture
def mac(monkeypatch, tmp_path):
    outputs = {
        "ioreg": IOREG_OUTPUT,
        "sw_vers": "ProductName:\tmacOS\nProductVersion:\t14.4.1\nBuildVersion:\t23E224\n",
    }
    calls = []

    def fake_output(command):
        calls.append(command[0])
        return outputs.get(command[0], "")

    monkeypatch.setattr(_host_macos, "_command_output", fake_output)
    monkeypatch.setattr(_host_macos, "SYSTEM_VERSION_PLIST", str(tmp_path / "SystemVersion.plist"))
    _host_macos._platform_expert.cache_clear()
    yield tmp_path, outputs, calls
    _host_macos._platform_expert.cache_clear()


def test_macos_facts_from_ioreg_and_sw_vers(mac):
    _, _, calls = mac
    assert _host_macos.host_id() == ("5C9A7E43-0F2B-5B8F-9D1E-6A3B4C2D1E0F", "IOPlatformUUID")
    assert _host_macos.hardware_facts() == {
        "vendor": "Apple Inc.",
        "model": "MacBookPro18,1",
        "serial": "C02FK3ABQ6L4",
    }
    facts = _host_macos.os_facts()  # no SystemVersion.plist here: sw_vers answers
    assert (facts["family"], facts["name"], facts["version"], facts["build"]) == ("macos", "macOS", "14.4.1", "23E224")
    assert calls.count("ioreg") == 1


def test_macos_version_plist_is_read_without_a_process(mac):
    import plistlib

    tmp_path, _, calls = mac
    plist = {
        "ProductName": "macOS",
        "ProductVersion": "15.1",
        "ProductBuildVersion": "24B83",
        "ProductCopyright": "1983-2024 Apple Inc.",
    }
    (tmp_path / "SystemVersion.plist").write_bytes(plistlib.dumps(plist))
    facts = _host_macos.os_facts()
    assert (facts["version"], facts["build"]) == ("15.1", "24B83")
    assert "sw_vers" not in calls


def test_macos_without_tools(mac):
    _, outputs, _ = mac
    outputs.clear()
    assert _host_macos.host_id() is None
    assert _host_macos.hardware_facts() == {}

"""Last use on Windows: BAM and UserAssist values, as regedit exports them and as winreg gives them."""

from __future__ import annotations

import codecs
import struct
from datetime import datetime, timezone
from pathlib import Path

from agent.sources.windows import uninstall
from agent.sources.windows.last_use import filetime, path_key, program_folders
from agent.sources.windows.uninstall import UninstallSource, collect_from_exports
from agent.windows_registry.reader import REG_BINARY, REG_DWORD, REG_EXPAND_SZ, REG_SZ, RegValue

FIXTURES = Path(__file__).parents[2] / "fixtures" / "windows"
SID = "S-1-5-21-3623811015-3361044348-30300820-1013"
SID2 = "S-1-5-21-3623811015-3361044348-30300820-1014"
USER_ASSIST = (r"Software\Microsoft\Windows\CurrentVersion\Explorer\UserAssist"
               r"\{CEBFF5CD-ACE2-4F4F-9178-9926F41749EA}\Count")


def test_the_published_bam_example_decodes_to_its_filetime():
    # winreg-kb's BAM example value: 15 3e ae 36 57 de d4 01, 8 zero bytes, flag 0, then 2.
    data = bytes.fromhex("153eae3657ded401" + "00" * 12 + "02000000")
    assert filetime(data) == datetime(2019, 3, 19, 13, 25, 26, 149685, tzinfo=timezone.utc)
    assert filetime(bytes(24)) is None  # never run
    assert filetime(b"\x01\x02") is None  # too short to hold one


def test_an_export_dates_each_program_by_its_latest_run_in_either_record():
    result = collect_from_exports([str(FIXTURES / "last-use.reg")])
    assert result.errors == []
    got = {(item.name, item.user): item.last_used for item in result.items}
    assert got == {
        ("7-Zip 23.01 (x64)", None): "2026-11-20T00:00:00Z",  # BAM, InstallLocation
        # BAM (petrova, 25 Nov) beats UserAssist (ivanov, 1 Oct); found by DisplayIcon alone
        ("Notepad++ (64-bit x64)", None): "2026-11-25T00:00:00Z",
        ("Foxit PDF Reader", None): "2026-06-01T00:00:00Z",  # UserAssist only, quoted DisplayIcon with ",0"
        ("Telegram Desktop", "ivanov"): "2026-11-28T00:00:00Z",  # UserAssist's RoamingAppData GUID, her profile
        ("Telegram Desktop", "petrova"): None,  # her own copy in her own profile never ran
        # its only UserAssist entry has no time (and the taskbar shortcut's GUID is not the executables')
        ("AnyDesk", None): None,
        ("Old Tool", None): None,  # InstallLocation "C:\Program Files\" is every program's folder: no claim
    }


def test_the_last_use_is_in_the_report_and_the_contract_carries_it():
    from agent import contract

    [item] = [i for i in collect_from_exports([str(FIXTURES / "last-use.reg")]).items if i.name.startswith("7-Zip")]
    report_item = item.to_dict()
    assert report_item["last_used"] == "2026-11-20T00:00:00Z"
    assert contract.SOFTWARE_ITEM.fields["last_used"].problem(report_item["last_used"]) is None
    assert contract.SOFTWARE_ITEM.fields["last_used"].problem("2026-11-20") is not None  # a date-time, offset included


def test_paths_compare_without_volume_case_or_quotes():
    assert path_key(r"\Device\HarddiskVolume3\Program Files\7-Zip\7zFM.exe") == r"\program files\7-zip\7zfm.exe"
    assert path_key('"C:\\Program Files\\7-Zip\\"') == r"\program files\7-zip"
    assert path_key(r"%SystemDrive%\Users\ivanov") == r"\users\ivanov"
    values = {"installlocation": RegValue("InstallLocation", REG_SZ, "C:\\Users\\ivanov\\AppData\\Local\\"),
              "displayicon": RegValue("DisplayIcon", REG_SZ, r"C:\Users\ivanov\AppData\Local\Yandex\YandexBrowser"
                                                            r"\Application\browser.exe,0")}
    assert program_folders(values) == [r"\users\ivanov\appdata\local\yandex\yandexbrowser\application\browser.exe",
                                       r"\users\ivanov\appdata\local\yandex\yandexbrowser\application"]


def _bam(moment: datetime) -> bytes:
    ticks = int((moment - datetime(1601, 1, 1, tzinfo=timezone.utc)).total_seconds()) * 10_000_000
    return struct.pack("<Q", ticks) + bytes(12) + struct.pack("<I", 2)


def _user_assist(moment: datetime) -> bytes:
    ticks = int((moment - datetime(1601, 1, 1, tzinfo=timezone.utc)).total_seconds()) * 10_000_000
    return (struct.pack("<IIII", 0, 3, 3, 60000) + bytes.fromhex("000080bf") * 10 + b"\xff" * 4
            + struct.pack("<Q", ticks) + bytes(4))


def test_live_source_reads_the_old_bam_key_and_each_users_user_assist(monkeypatch, fake_winreg):
    """Windows 10 1803 keeps BAM under bam\\UserSettings; a per-user program takes only its own user's runs."""
    base = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall"
    bam = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\bam\UserSettings"
    profiles = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList"
    zoom_folder = r"{F1B32785-6FBA-4FCF-9D55-7B8E7F157091}\Zoom\bin\Zoom.exe"  # LocalAppData
    native = {
        base + r"\Far Manager 3 x64": [("DisplayName", "Far Manager 3 x64", REG_SZ),
                                       ("InstallLocation", "C:\\Program Files\\Far Manager\\", REG_SZ)],
        rf"HKEY_USERS\{SID}\Software\Microsoft\Windows\CurrentVersion\Uninstall\ZoomUMX": [
            ("DisplayName", "Zoom Workplace (64-bit)", REG_SZ),
            ("DisplayIcon", r"C:\Users\petrova\AppData\Local\Zoom\bin\Zoom.exe", REG_SZ)],
        rf"HKEY_USERS\{SID2}\Software\Microsoft\Windows\CurrentVersion\Uninstall\ZoomUMX": [
            ("DisplayName", "Zoom Workplace (64-bit)", REG_SZ),
            ("DisplayIcon", r"C:\Users\sidorov\AppData\Local\Zoom\bin\Zoom.exe", REG_SZ)],
        rf"HKEY_USERS\{SID}\{USER_ASSIST}": [
            (codecs.encode(zoom_folder, "rot13"), _user_assist(datetime(2026, 9, 3, 12, tzinfo=timezone.utc)),
             REG_BINARY)],
        bam: [],
        rf"{bam}\{SID2}": [
            ("Version", 1, REG_DWORD),
            (r"\Device\HarddiskVolume2\Program Files\Far Manager\Far.exe",
             _bam(datetime(2026, 11, 30, 23, 59, tzinfo=timezone.utc)), REG_BINARY),
            (r"\Device\HarddiskVolume2\Users\petrova\AppData\Local\Zoom\bin\Zoom.exe",  # not sidorov's own copy
             _bam(datetime(2026, 11, 30, tzinfo=timezone.utc)), REG_BINARY)],
        profiles + "\\" + SID: [("ProfileImagePath", r"C:\Users\petrova", REG_EXPAND_SZ)],
        profiles + "\\" + SID2: [("ProfileImagePath", r"C:\Users\sidorov", REG_EXPAND_SZ)],
    }
    fake_winreg(native)
    monkeypatch.setattr(uninstall, "os_is_64bit", lambda: True)
    monkeypatch.setattr(uninstall, "is_windows", lambda: True)
    result = UninstallSource().collect()
    got = {(item.name, item.user): item.last_used for item in result.items}
    assert got == {("Far Manager 3 x64", None): "2026-11-30T00:00:00Z",
                   ("Zoom Workplace (64-bit)", "petrova"): "2026-09-03T00:00:00Z",
                   ("Zoom Workplace (64-bit)", "sidorov"): None}


def test_store_apps_are_dated_by_the_bam_value_of_their_package_family(monkeypatch, fake_winreg):
    """BAM names a Store app's value by its PackageFamilyName (the msix item's id), the flag at byte 16 set."""
    import json
    import subprocess

    from agent.sources.windows import msix

    bam = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\bam\State\UserSettings"
    profiles = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList"
    teams_run = _bam(datetime(2026, 10, 14, 9, tzinfo=timezone.utc))[:16] + struct.pack("<II", 1, 2)
    fake_winreg({rf"{bam}\{SID}": [("MSTeams_8wekyb3d8bbwe", teams_run, REG_BINARY),
                                   ("SequenceNumber", 7, REG_DWORD)],
                 profiles + "\\" + SID: [("ProfileImagePath", r"C:\Users\ivanov", REG_EXPAND_SZ)]})
    packages = [{"PackageFullName": full, "Publisher": "CN=Microsoft Corporation, O=Microsoft Corporation, "
                 "L=Redmond, S=Washington, C=US", "InstallLocation": rf"C:\Program Files\WindowsApps\{full}",
                 "IsFramework": False, "IsResourcePackage": False, "SignatureKind": "Store",
                 "Users": [r"WS-042\ivanov"]}  # as msix.POWERSHELL_QUERY prints it
                for full in ("MSTeams_24295.605.3225.8804_x64__8wekyb3d8bbwe",
                             "Microsoft.WindowsCalculator_11.2405.2.0_x64__8wekyb3d8bbwe")]
    monkeypatch.setattr(msix.subprocess, "run", lambda command, **kwargs: subprocess.CompletedProcess(
        command, 0, json.dumps(packages).encode("utf-8"), b""))
    got = {(item.id, item.user): item.last_used for item in msix.MsixSource().collect().items}
    assert got == {("MSTeams_8wekyb3d8bbwe", "ivanov"): "2026-10-14T00:00:00Z",
                   ("Microsoft.WindowsCalculator_8wekyb3d8bbwe", "ivanov"): None}

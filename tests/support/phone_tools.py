"""The phone tools replaced by scripts that print what the real ones print (tests/agent/fixtures/phones):
no phone is on a USB port here. Each fake answers the exact command lines the agent runs, and fails like the
real tool on any other."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Dict, Iterable

PHONES = Path(__file__).resolve().parents[1] / "agent" / "fixtures" / "phones"
SAMSUNG, XIAOMI, HUAWEI, UNAUTHORISED = "R5CW20ABCDE", "9a8b7c6d", "UYT0219A15000123", "RF8N30XYZAB"
IPHONE, IPAD, UNTRUSTED = "00008130-001A2C3E0E38001C", "00008103-000D19A83C62002E", "00008110-00064D2A1E91801E"
ANDROIDS = {SAMSUNG: "samsung", XIAOMI: "xiaomi", HUAWEI: "huawei"}
IOS = {IPHONE: "iphone17", IPAD: "ipad16"}
# adb's words for a device whose key was not accepted (adb 1:29 and later)
UNAUTHORISED_STDERR = ("error: device unauthorized.\nThis adb server's $ADB_VENDOR_KEYS is not set\n"
                       "Try 'adb kill-server' if that seems wrong.\nOtherwise check for a confirmation dialog on "
                       "your device.\n")
FAKE = '''#!{python}
import json, os, sys
table = json.load(open(os.environ["FAKE_PHONE_TABLE"], encoding="utf-8"))
answer = table.get(os.path.basename(sys.argv[0]) + " " + " ".join(sys.argv[1:]))
if answer is None:
    sys.stderr.write("unknown command in this fake: " + " ".join(sys.argv) + "\\n")
    sys.exit(1)
if "file" in answer:
    sys.stdout.buffer.write(open(answer["file"], "rb").read())
sys.stdout.write(answer.get("stdout", ""))
sys.stderr.write(answer.get("stderr", ""))
sys.exit(answer.get("rc", 0))
'''


def _file(path: Path) -> Dict[str, str]:
    return {"file": str(path)}


def table(android: Iterable[str], ios: Iterable[str]) -> Dict[str, dict]:
    """What each fake tool answers with the given devices attached (serials and UDIDs from the fixtures)."""
    android, ios = list(android), list(ios)
    lines = [line for line in (PHONES / "adb-devices.txt").read_text().splitlines(keepends=True)
             if not line.strip() or line.startswith("List") or line.split()[0] in android]
    answers: Dict[str, dict] = {"adb devices -l": {"stdout": "".join(lines)}}
    for serial in android:
        prefix = f"adb -s {serial} shell "
        if serial == UNAUTHORISED:
            for command in ("getprop", "pm list packages -f -U --show-versioncode -i"):
                answers[prefix + command] = {"stderr": UNAUTHORISED_STDERR, "rc": 1}
            continue
        folder = PHONES / ANDROIDS[serial]
        answers[prefix + "getprop"] = _file(folder / "getprop.txt")
        answers[prefix + "pm list packages -f -U --show-versioncode -i"] = _file(folder / "pm-list.txt")
        answers[prefix + "pm list packages -s"] = _file(folder / "pm-system.txt")
        answers[prefix + "dumpsys package packages"] = _file(folder / "dumpsys.txt")
    udids = [u for u in (PHONES / "idevice_id.txt").read_text().split() if u in ios]
    answers["idevice_id -l"] = ({"stdout": "".join(u + "\n" for u in udids)} if udids
                                else {"stderr": "ERROR: Unable to retrieve device list!\n", "rc": 255})
    for udid in ios:
        if udid == UNTRUSTED:
            answers[f"idevicepair -u {udid} validate"] = {
                "stdout": f"ERROR: Please accept the trust dialog on the screen of device {udid}, then attempt "
                          "to pair again.\n", "rc": 255}
            answers[f"ideviceinfo -u {udid} -s"] = _file(PHONES / "untrusted" / "ideviceinfo-simple.txt")
            answers[f"ideviceinfo -u {udid}"] = {
                "stderr": "ERROR: Could not connect to lockdownd: Pairing dialog response pending (-19)\n", "rc": 255}
            continue
        folder = PHONES / IOS[udid]
        answers[f"idevicepair -u {udid} validate"] = {"stdout": f"SUCCESS: Validated pairing with device {udid}\n"}
        answers[f"ideviceinfo -u {udid} -s"] = _file(folder / "ideviceinfo.txt")
        answers[f"ideviceinfo -u {udid}"] = _file(folder / "ideviceinfo.txt")
        answers[f"ideviceinstaller -u {udid} -l -o list_all -o xml"] = _file(folder / "ideviceinstaller.xml")
    return answers


class FakeTools:
    """A bin directory of fake tools first on PATH (and nothing else of the system's phone tools)."""

    def __init__(self, tmp_path: Path, monkeypatch) -> None:
        self.bin = tmp_path / "fake-bin"
        self.bin.mkdir()
        self.table_path = tmp_path / "fake-table.json"
        self.monkeypatch = monkeypatch
        monkeypatch.setenv("FAKE_PHONE_TABLE", str(self.table_path))
        self.bin_path = str(self.bin)
        monkeypatch.setenv("PATH", self.bin_path)  # the real adb or idevice_id, if installed, stay out of it

    def env(self) -> Dict[str, str]:
        """What a child process needs to find the fakes (for an environment built before they were)."""
        return {"PATH": self.bin_path, "FAKE_PHONE_TABLE": str(self.table_path)}

    def attach(self, android: Iterable[str] = (), ios: Iterable[str] = (),
               tools: Iterable[str] = ("adb", "idevice_id", "idevicepair", "ideviceinfo", "ideviceinstaller")) -> None:
        self.table_path.write_text(json.dumps(table(android, ios)), encoding="utf-8")
        for tool in tools:
            script = self.bin / tool
            script.write_text(FAKE.format(python=sys.executable), encoding="utf-8")
            script.chmod(0o755)

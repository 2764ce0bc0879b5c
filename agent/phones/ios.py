"""iPhones and iPads over libimobiledevice: `idevice_id -l`, `idevicepair validate` for trust,
`ideviceinfo` for the device, `ideviceinstaller -l -o list_all -o xml` for the apps (a plist of each
app's Info.plist keys: bundle id, display name, version, User or System)."""

from __future__ import annotations

import plistlib
import re
from typing import Dict, List, Tuple
from xml.parsers.expat import ExpatError

from agent.phones.tools import EXIT_REFUSED, PhoneError, installed, output, run

SOURCE = "ios"
_LOCKDOWN = re.compile(r"Could not connect to lockdownd[:,]?\s*(.*?)\s*\(?(-?\d+)\)?\s*$")
# lockdownd's refusals (libimobiledevice lockdown.h) and what the administrator does about each
REFUSALS = {
    -17: "is locked with a passcode: unlock it and retry",
    -18: "refused to trust this computer: unplug it, plug it in again and tap Trust",
    -19: "waits for an answer to \"Trust This Computer?\": unlock it, tap Trust and enter the passcode",
    -21: "is not paired with this computer (its pairing was reset): unlock it and tap Trust",
}
_PAIR = (("passcode is set", -17), ("denied the trust dialog", -18), ("accept the trust dialog", -19),
         ("not paired with this host", -21))


def attached() -> List[Dict[str, str]]:
    """The UDIDs usbmuxd sees, each with whether this computer is trusted. usbmuxd runs only while an
    Apple device is plugged in, so "Unable to retrieve device list" means none is."""
    done = run(["idevice_id", "-l"], "idevice_id")
    if done.returncode != 0:
        if "Unable to retrieve device list" in done.stderr + done.stdout:
            return []
        raise PhoneError(f"idevice_id -l failed: {(done.stderr or done.stdout).strip() or done.returncode}")
    devices = []
    for udid in dict.fromkeys(line.strip() for line in done.stdout.splitlines() if line.strip()):
        devices.append({"serial": udid, **_trust(udid), **_basic(udid)})
    return devices


def _trust(udid: str) -> Dict[str, str]:
    """`idevicepair validate`: state "device" when paired, else "untrusted" with the reason."""
    if not installed("idevicepair"):
        return {"state": "device"}
    done = run(["idevicepair", "-u", udid, "validate"], "idevicepair")
    said = done.stdout + done.stderr
    if "SUCCESS" in said:
        return {"state": "device"}
    for words, code in _PAIR:
        if words in said:
            return {"state": "untrusted", "reason": REFUSALS[code]}
    return {"state": "untrusted", "reason": said.strip().splitlines()[-1] if said.strip() else "unknown"}


def _basic(udid: str) -> Dict[str, str]:
    """Model and name without pairing (`ideviceinfo -s`), so an untrusted phone is still named."""
    done = run(["ideviceinfo", "-u", udid, "-s"], "ideviceinfo")
    facts = parse_info(done.stdout) if done.returncode == 0 else {}
    shown = {"model": facts.get("ProductType"), "device": facts.get("DeviceClass"), "name": facts.get("DeviceName")}
    return {k: v for k, v in shown.items() if v}


def parse_info(text: str) -> Dict[str, str]:
    """`ideviceinfo`'s `Key: Value` lines (top-level keys; nested dictionaries are indented and skipped)."""
    facts = {}
    for line in text.splitlines():
        if not line or line[0].isspace():
            continue
        key, sep, value = line.partition(": ")
        if sep and re.fullmatch(r"[A-Za-z0-9]+", key):
            facts[key] = value.strip()
    return facts


def refusal(udid: str, stderr: str) -> PhoneError:
    """ideviceinfo's lockdownd error as what to do; other failures quoted."""
    found = _LOCKDOWN.search(stderr.strip().splitlines()[-1] if stderr.strip() else "")
    if found and int(found.group(2)) in REFUSALS:
        return PhoneError(f"iOS device {udid} {REFUSALS[int(found.group(2))]}", EXIT_REFUSED)
    return PhoneError(f"iOS device {udid}: ideviceinfo failed: {stderr.strip() or 'no answer'}")


def host_facts(udid: str, facts: Dict[str, str]) -> Tuple[dict, dict]:
    """host and hardware of the report from `ideviceinfo`; an iPad on iOS 13 or later runs iPadOS."""
    version = facts.get("ProductVersion", "")
    tablet = facts.get("DeviceClass") == "iPad"
    major = int(version.split(".")[0]) if version.split(".")[0].isdigit() else 0
    name = "iPadOS" if tablet and major >= 13 else "iOS"
    os_facts = {"family": "ios", "name": name, "version": version, "build": facts.get("BuildVersion"),
                "arch": facts.get("CPUArchitecture")}
    host = {"id": f"ios-{udid}", "id_source": "ios-udid", "kind": "tablet" if tablet else "phone",
            "hostname": facts.get("DeviceName") or udid, "os": {k: v for k, v in os_facts.items() if v}}
    hardware = {"vendor": "Apple", "model": facts.get("ProductType"), "serial": facts.get("SerialNumber")}
    return host, {k: v for k, v in hardware.items() if v}


def parse_apps(xml: str) -> List[dict]:
    """`ideviceinstaller -l -o list_all -o xml`: an array of app dictionaries."""
    start = xml.find("<?xml")
    if start < 0:
        raise PhoneError("ideviceinstaller printed no plist: " + (xml.strip().splitlines() or ["nothing"])[-1])
    try:
        apps = plistlib.loads(xml[start:].encode("utf-8"))
    except (plistlib.InvalidFileException, ExpatError, ValueError) as error:
        raise PhoneError(f"ideviceinstaller printed a plist that does not parse: {error}") from None
    items = []
    for app in apps if isinstance(apps, list) else []:
        if not isinstance(app, dict) or not app.get("CFBundleIdentifier"):
            continue
        bundle = str(app["CFBundleIdentifier"])
        kind = str(app.get("ApplicationType", ""))
        item = {"name": str(app.get("CFBundleDisplayName") or app.get("CFBundleName") or bundle),
                "source": SOURCE, "id": bundle,
                "version": str(app.get("CFBundleShortVersionString") or app.get("CFBundleVersion") or ""),
                "version_code": str(app.get("CFBundleVersion") or ""),
                "app_type": "user" if kind == "User" else "system",
                "location": str(app.get("Path") or "")}
        items.append({k: v for k, v in item.items() if v})
    return sorted(items, key=lambda item: item["id"])


def collect(device: Dict[str, str]) -> Tuple[dict, dict, List[dict], List[dict]]:
    """host, hardware, software and errors of one attached iPhone or iPad."""
    udid = device["serial"]
    done = run(["ideviceinfo", "-u", udid], "ideviceinfo")
    if done.returncode != 0:
        raise refusal(udid, done.stderr or done.stdout)
    host, hardware = host_facts(udid, parse_info(done.stdout))
    apps = parse_apps(output(["ideviceinstaller", "-u", udid, "-l", "-o", "list_all", "-o", "xml"],
                             "ideviceinstaller"))
    return host, hardware, apps, []

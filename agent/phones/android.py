"""Android phones and tablets over adb: `adb devices -l`, `getprop` for the device, the package manager
for the apps (`pm list packages -f -U --show-versioncode -i`, `pm list packages -s` for the system ones,
`dumpsys package packages` for version names and first install times).

The package manager gives no app labels without parsing each APK, so an app's name is its package name.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Dict, List, Optional, Tuple

from agent.phones.tools import EXIT_REFUSED, PhoneError, output, run

SOURCE = "android"
_DEVICE_LINE = re.compile(r"^(\S+)\s+(device|unauthorized|offline|no permissions.*?|recovery|sideload|"
                          r"bootloader|authorizing|connecting|host|unknown)(?:\s+(.*))?$")
_PROP = re.compile(r"^\[([^\]]+)\]: \[(.*)\]$")
# what each state means for the administrator holding the phone
ADVICE = {
    "unauthorized": "unlock the phone and accept this computer's key (\"Allow USB debugging?\")",
    "authorizing": "unlock the phone and accept this computer's key (\"Allow USB debugging?\")",
    "offline": "unplug the phone, plug it in again, unlock it",
    "no permissions": "this user may not open the USB device: install the udev rules (Debian: apt install "
                      "android-sdk-platform-tools-common) and join the plugdev group, or run as root",
}


def parse_devices(text: str) -> List[Dict[str, str]]:
    """`adb devices -l` lines as {serial, state, model, product, device, usb}."""
    devices = []
    for line in text.splitlines():
        found = _DEVICE_LINE.match(line.strip())
        if found is None or line.startswith(("List of devices", "*")):
            continue
        serial, state, rest = found.group(1), found.group(2), found.group(3) or ""
        if state.startswith("no permissions"):
            state, rest = "no permissions", ""
        entry = {"serial": serial, "state": state}
        for word in rest.split():
            key, _, value = word.partition(":")
            if key in ("usb", "product", "model", "device") and value:
                entry[key] = value  # adb writes the model with "_" for anything not alphanumeric
        devices.append(entry)
    return devices


def attached() -> List[Dict[str, str]]:
    """The devices adb sees (it starts its server on first use, as adb always does)."""
    return parse_devices(output(["adb", "devices", "-l"], "adb devices"))


def parse_getprop(text: str) -> Dict[str, str]:
    """`getprop` output, `[key]: [value]` a line."""
    props = {}
    for line in text.splitlines():
        found = _PROP.match(line.strip())
        if found:
            props[found.group(1)] = found.group(2)
    return props


def parse_pm_list(text: str) -> Dict[str, Dict[str, str]]:
    """`pm list packages -f -U --show-versioncode -i` by package name: path, version_code, installer, uid.

    A line is `package:PATH=NAME versionCode:N  installer=X uid:U`; PATH itself may hold `=` (the
    `~~…==` directories of Android 11+), so the name is what follows its last `=`."""
    packages: Dict[str, Dict[str, str]] = {}
    for line in text.splitlines():
        if not line.startswith("package:"):
            continue
        first, *rest = line[len("package:"):].split()
        path, _, name = first.rpartition("=")
        entry = {"path": path} if path else {}
        for word in rest:
            if word.startswith("versionCode:"):
                entry["version_code"] = word.split(":", 1)[1]
            elif word.startswith("installer="):
                installer = word.split("=", 1)[1]
                if installer and installer != "null":
                    entry["installer"] = installer
            elif word.startswith("uid:"):
                entry["uid"] = word.split(":", 1)[1]
        packages[name] = entry
    return packages


def parse_dumpsys(text: str) -> Dict[str, Dict[str, str]]:
    """`dumpsys package packages` by package name: version_name, version_code, first_install (local time),
    system (pkgFlags has SYSTEM). Only the "Packages:" section: the hidden system packages after it are the
    factory copies of updated apps, not what runs."""
    packages: Dict[str, Dict[str, str]] = {}
    current: Optional[Dict[str, str]] = None
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if raw and not raw[0].isspace():
            section = line
            current = None
            continue
        if section != "Packages:":
            continue
        header = re.match(r"^Package \[([^\]]+)\]", line)
        if header:
            current = packages.setdefault(header.group(1), {})
            continue
        if current is None:
            continue
        key, _, value = line.partition("=")
        if key == "versionName" and "version_name" not in current:
            current["version_name"] = value
        elif key == "versionCode" and "version_code" not in current:  # versionCode=1174 minSdk=26 targetSdk=34
            current["version_code"] = value.split()[0] if value else ""
        elif key == "firstInstallTime" and "first_install" not in current:
            current["first_install"] = value
        elif key == "pkgFlags":
            current["system"] = "yes" if " SYSTEM " in f" {value.strip('[] ')} " else "no"
    return packages


def install_time(local: str, zone_name: Optional[str]) -> Optional[str]:
    """dumpsys's `2024-02-11 18:40:07` (the phone's local time) in UTC when the phone's zone is known,
    else its date alone; the 1970/2008 stamps of factory apps say "unknown", so they are left out."""
    try:
        moment = datetime.strptime(local, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    if moment.year < 2010:
        return None
    if zone_name:
        try:
            from zoneinfo import ZoneInfo

            aware = moment.replace(tzinfo=ZoneInfo(zone_name))
            return aware.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        except (ImportError, ValueError, KeyError, OSError):
            pass
    return moment.strftime("%Y-%m-%d")


def vendor_build(props: Dict[str, str]) -> Tuple[Optional[str], Optional[str]]:
    """The vendor's own name and version of its Android build, which decides its owner in the catalog:
    Samsung One UI, Xiaomi HyperOS (or MIUI before it), Huawei EMUI / HarmonyOS."""
    oneui = props.get("ro.build.version.oneui", "")
    if oneui.isdigit() and len(oneui) == 5:  # 60101 = One UI 6.1.1
        major, minor, patch = int(oneui[:-4]), int(oneui[-4:-2]), int(oneui[-2:])
        return "One UI", f"{major}.{minor}" + (f".{patch}" if patch else "")
    hyper = props.get("ro.mi.os.version.name", "")
    if hyper:  # OS1.0 / OS2.0
        return "Xiaomi HyperOS", props.get("ro.mi.os.version.incremental") or hyper.replace("OS", "", 1)
    miui = props.get("ro.miui.ui.version.name", "")
    if miui:  # V14
        return "MIUI", props.get("ro.build.version.incremental") or miui.lstrip("V")
    harmony = props.get("hw_sc.build.platform.version", "")
    if harmony:
        return "HarmonyOS", harmony
    emui = props.get("ro.build.version.emui", "")
    if emui:  # EmotionUI_12.0.0
        return "EMUI", emui.split("_", 1)[-1]
    return None, None


def host_facts(serial: str, props: Dict[str, str]) -> Tuple[dict, dict]:
    """host and hardware of the report from the phone's properties."""
    device_serial = props.get("ro.serialno") or props.get("ro.boot.serialno") or serial
    os_facts = {"family": "android", "name": "Android", "version": props.get("ro.build.version.release"),
                "build": props.get("ro.build.display.id"), "arch": props.get("ro.product.cpu.abi"),
                "security_patch": props.get("ro.build.version.security_patch")}
    name, version = vendor_build(props)
    if name:
        os_facts["product_name"] = name
        os_facts["display_version"] = version
    characteristics = props.get("ro.build.characteristics", "").split(",")
    host = {"id": f"android-{device_serial}", "id_source": "android-serial",
            "kind": "tablet" if "tablet" in characteristics else "phone",
            "hostname": props.get("ro.product.model") or device_serial,
            "os": {k: v for k, v in os_facts.items() if v}}
    hardware = {"vendor": props.get("ro.product.manufacturer") or props.get("ro.product.brand"),
                "model": props.get("ro.product.model"), "serial": device_serial}
    return host, {k: v for k, v in hardware.items() if v}


def software(listed: Dict[str, Dict[str, str]], system: set, details: Dict[str, Dict[str, str]],
             zone_name: Optional[str]) -> List[dict]:
    """One software item per package, system apps told apart from those the user installed."""
    items = []
    for name in sorted(listed):
        entry, more = listed[name], details.get(name, {})
        is_system = name in system or more.get("system") == "yes"
        item = {"name": name, "source": SOURCE, "id": name, "version": more.get("version_name"),
                "version_code": entry.get("version_code") or more.get("version_code"),
                "app_type": "system" if is_system else "user",
                "installer": entry.get("installer"), "location": entry.get("path"),
                "install_date": install_time(more["first_install"], zone_name) if "first_install" in more else None}
        if entry.get("uid"):
            item["extra"] = {"uid": entry["uid"]}
        items.append({k: v for k, v in item.items() if v})
    return items


def _shell(serial: str, command: List[str], what: str) -> str:
    """`adb -s SERIAL shell …`; a device that stopped answering or was never authorised is a PhoneError."""
    done = run(["adb", "-s", serial, "shell", *command], what)
    said = (done.stderr.strip() or "").lower()
    if done.returncode != 0 and "unauthorized" in said:
        raise PhoneError(f"Android device {serial} is unauthorised: {ADVICE['unauthorized']}", EXIT_REFUSED)
    if done.returncode != 0:
        last = (done.stderr.strip() or done.stdout.strip() or f"exit {done.returncode}").splitlines()[-1]
        raise PhoneError(f"Android device {serial}: {' '.join(command[:3])} failed: {last}")
    return done.stdout


def collect(device: Dict[str, str]) -> Tuple[dict, dict, List[dict], List[dict]]:
    """host, hardware, software and errors of one attached Android device."""
    serial, state = device["serial"], device["state"]
    if state != "device":
        advice = ADVICE.get(state, "unplug it, plug it in again and unlock it")
        raise PhoneError(f"Android device {serial} is {state}: {advice}", EXIT_REFUSED)
    props = parse_getprop(_shell(serial, ["getprop"], "getprop"))
    host, hardware = host_facts(serial, props)
    errors: List[dict] = []
    listing = run(["adb", "-s", serial, "shell", "pm", "list", "packages", "-f", "-U", "--show-versioncode", "-i"],
                  "pm list packages")
    if listing.returncode != 0 or listing.stdout.startswith("Error"):  # Android 8 and older lack the flags
        listing.stdout = _shell(serial, ["pm", "list", "packages", "-f", "-i"], "pm list packages")
        errors.append({"source": SOURCE, "message": "this Android has no --show-versioncode/-U: "
                       "version codes come from dumpsys"})
    listed = parse_pm_list(listing.stdout)
    system = set(parse_pm_list(_shell(serial, ["pm", "list", "packages", "-s"], "pm list packages -s")))
    try:
        details = parse_dumpsys(_shell(serial, ["dumpsys", "package", "packages"], "dumpsys package"))
    except PhoneError as error:
        details = {}
        errors.append({"source": SOURCE, "message": f"{error}; version names and install times left out"})
    items = software(listed, system, details, props.get("persist.sys.timezone"))
    return host, hardware, items, errors

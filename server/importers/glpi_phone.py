"""Phones and tablets inventoried by GLPI's Android agent (glpi-project/android-inventory-agent, whose library
glpi-project/android-inventory-library builds the inventory): GLPI JSON with `itemtype` "Phone", or the agent's
FusionInventory XML, whose operating system is Android.

Its shape, from GLPI's own example (glpi-project/inventory_format, examples/phone_1.json) and the library's
categories (inventory/src/main/java/org/flyve/inventory/categories/Software.java, OperatingSystem.java):
operatingsystem name "Q Android 10.0", full_name "Q Android 10.0 api 29", version the API level ("29"), arch the
ABI list; bios smanufacturer / smodel / ssn the phone's maker, model and serial; every app a `softwares` row
with `from` "Android", `name` its label (Cyrillic as the app ships it), `comments` its package name, `version`,
`install_date` (factory apps carry the 2008-12-31 image date), `folder` (/system/... for firmware apps,
/data/app/... for installed ones) and `userid` the app's Linux uid. The library writes "N/A" for a value it could
not read.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

from server.importers.common import drop_empty, host_identity, install_date, section, text_of
from server.importers.mobile import app_item, device_kind, os_facts

_RELEASE = re.compile(r"android\s+(\d+(?:\.\d+)*)", re.IGNORECASE)
_SYSTEM_FOLDERS = ("/system/", "/vendor/", "/product/", "/system_ext/", "/apex/", "/odm/")
_FIRST_REAL_INSTALL = "2010-01-01"  # earlier stamps are the firmware image's, not an install
# Android's API levels and their releases (developer.android.com/tools/releases/platforms): the library names
# only the levels it knows ("N/A" past them) but always writes the level itself as the OS version.
_RELEASES = {21: "5.0", 22: "5.1", 23: "6.0", 24: "7.0", 25: "7.1", 26: "8.0", 27: "8.1", 28: "9", 29: "10",
             30: "11", 31: "12", 32: "12", 33: "13", 34: "14", 35: "15", 36: "16"}


def is_android(content: Dict[str, Any], itemtype: Optional[str]) -> bool:
    """A phone's inventory: GLPI's itemtype says Phone, the operating system is Android, or (the agent's XML,
    which names no release past the levels it knows) its apps come from Android."""
    system = section(content, "operatingsystem")
    names = " ".join(text_of(system.get(k)) or "" for k in ("name", "full_name"))
    rows = content.get("softwares") if isinstance(content.get("softwares"), list) else []
    from_android = any(isinstance(r, dict) and (text_of(r.get("from")) or "").lower() == "android" for r in rows)
    return (itemtype or "").lower() == "phone" or "android" in names.lower() or from_android


def _release(system: Dict[str, Any]) -> Optional[str]:
    """"10.0" from "Q Android 10.0", else the release of the API level the agent writes as `version`."""
    found = _RELEASE.search(" ".join(text_of(system.get(k)) or "" for k in ("name", "full_name")))
    if found:
        return found.group(1)
    level = text_of(system.get("version")) or ""
    return _RELEASES.get(int(level)) if level.isdigit() else None


def _value(row: Dict[str, Any], key: str) -> Optional[str]:
    text = text_of(row.get(key))
    return None if text in (None, "N/A") else text


def _app(row: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    package, folder = _value(row, "comments"), _value(row, "folder")
    installed = install_date(_value(row, "install_date"))
    kind = None
    if folder:
        kind = "system" if folder.startswith(_SYSTEM_FOLDERS) else "user" if folder.startswith("/data/") else None
    item = app_item("android", _value(row, "name") or package, _value(row, "version"), app_id=package,
                    app_type=kind, location=folder,
                    install_date=installed if installed and installed >= _FIRST_REAL_INSTALL else None)
    if item and _value(row, "userid"):
        item["extra"] = {"uid": _value(row, "userid")}
    return item


def phone_facts(tool: str, deviceid: Optional[str], content: Dict[str, Any]) -> Tuple[dict, dict]:
    """host (without boot time) and hardware of an Android inventory."""
    system, hardware, bios = (section(content, key) for key in ("operatingsystem", "hardware", "bios"))
    model = text_of(bios.get("smodel")) or text_of(bios.get("mmodel"))
    kind = device_kind(model)
    abi = (text_of(system.get("arch")) or "").split(",")[0] or None
    host = drop_empty({
        "id": host_identity(tool, hardware.get("uuid"), bios.get("ssn"), deviceid),
        "id_source": f"import:{tool}", "kind": kind, "hostname": text_of(hardware.get("name")) or model,
        "os": os_facts("android", kind, _release(system), arch=abi),
    })
    facts = {"vendor": text_of(bios.get("smanufacturer")) or text_of(bios.get("mmanufacturer")),
             "model": model, "serial": text_of(bios.get("ssn"))}
    return host, facts


def phone_software(rows: List[Dict[str, Any]]) -> Tuple[List[Dict[str, Any]], List[Dict[str, str]]]:
    """The Android apps, and an error counting rows of any other source (never dropped silently)."""
    apps, other = [], 0
    for row in rows:
        if not isinstance(row, dict) or (text_of(row.get("from")) or "").lower() != "android":
            other += 1
            continue
        item = _app(row)
        if item:
            apps.append(item)
    errors = [{"source": "import", "message": f"not imported: {other} software entr{'y' if other == 1 else 'ies'} "
               "of an Android inventory not from 'Android'"}] if other else []
    return apps, errors

"""Jamf Pro mobile devices: the Classic API's device record (GET /JSSResource/mobiledevices/id/N, root
<mobile_device>), or several records saved into one <mobile_devices> file, one iPhone or iPad host each.

The record's shape, as the Classic API reference (developer.jamf.com/jamf-pro/reference/mobiledevices) and the
deploymenttheory/go-api-sdk-jamfpro structs (sdk/jamfpro/classicapi_mobile_devices.go) give it:
<general> with id, display_name / device_name / name, udid, serial_number, os_type ("iOS"), os_version,
os_build, model ("iPhone 14 Pro"), model_identifier ("iPhone15,2"), last_inventory_update_epoch (milliseconds)
and last_inventory_update_utc ("2026-11-20T09:15:42.000+0000"); <applications> with <application> entries of
application_name, application_version (CFBundleVersion), application_short_version and identifier (the bundle id).
The list endpoint (GET /JSSResource/mobiledevices) carries no <general> and no apps: it is refused.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from server.importers.common import drop_empty, integer, report_envelope, text_of
from server.importers.limits import InventoryFileError
from server.importers.mobile import app_item, device_kind, os_facts

TOOL = "jamf"
_AGENT = {"name": "jamf-pro", "version": "classic-api"}


def _field(general, name: str) -> Optional[str]:
    return text_of(general.findtext(name))


def _inventoried(general, where: str) -> str:
    """When Jamf last inventoried the device, from the epoch (milliseconds), else the UTC text."""
    epoch = integer(general.findtext("last_inventory_update_epoch"))
    if epoch:
        moment = datetime.fromtimestamp(epoch / 1000, timezone.utc)
    else:
        text = _field(general, "last_inventory_update_utc") or ""
        try:
            moment = datetime.strptime(text[:19] + text[-5:], "%Y-%m-%dT%H:%M:%S%z")
        except ValueError:
            raise InventoryFileError(
                f"{where}: no last_inventory_update_epoch and last_inventory_update_utc {text[:40]!r} is not a time"
            ) from None
    if moment.year < 2007:  # before the first iPhone: an unset epoch
        raise InventoryFileError(f"{where}: last_inventory_update {moment:%Y-%m-%d} is not a plausible time")
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _apps(device) -> List[Dict[str, Any]]:
    items = []
    for app in device.findall("applications/application"):
        short, full = text_of(app.findtext("application_short_version")), text_of(app.findtext("application_version"))
        item = app_item("ios", app.findtext("application_name"), short or full, app_id=app.findtext("identifier"),
                        version_code=full if full and full != short else None)
        if item:
            items.append(item)
    return items


def _report(data: bytes, index: int, device) -> Dict[str, Any]:
    general = device.find("general")
    where = f"mobile device {index + 1}"
    udid = _field(general, "udid")
    if not udid:
        raise InventoryFileError(f"{where}: <general> has no <udid> to identify the device")
    os_type = (_field(general, "os_type") or "iOS").lower()
    if os_type not in ("ios", "ipados"):
        raise InventoryFileError(f"{where} ({udid}): os_type {os_type!r} is not iOS or iPadOS (an Apple TV?)")
    kind = device_kind(_field(general, "model"), _field(general, "model_identifier"))
    host = drop_empty({
        "id": f"{TOOL}:udid:{udid.lower()}", "id_source": f"import:{TOOL}", "kind": kind,
        "hostname": _field(general, "device_name") or _field(general, "name") or _field(general, "display_name"),
        "os": os_facts("ios", kind, _field(general, "os_version"), build=_field(general, "os_build")),
    })
    hardware = {"vendor": "Apple", "model": _field(general, "model") or _field(general, "model_identifier"),
                "serial": _field(general, "serial_number")}
    return report_envelope(data, index, _inventoried(general, where), _AGENT, host, hardware, {"interfaces": []},
                           _apps(device))


def reports(data: bytes, root) -> List[Dict[str, Any]]:
    """One report per device record of a Jamf Pro mobile device XML."""
    devices = [root] if root.tag == "mobile_device" else root.findall("mobile_device")
    if not devices:
        raise InventoryFileError("Jamf Pro <mobile_devices> without a <mobile_device>")
    if any(device.find("general") is None for device in devices):
        raise InventoryFileError(
            "Jamf Pro device list without the devices' records (no <general>, no apps): save each device's "
            "record, GET /JSSResource/mobiledevices/id/N, and import those"
        )
    return [_report(data, i, device) for i, device in enumerate(devices)]

"""Microsoft Intune exports: the device list (Devices > All devices > Export) read together with the per-device
discovered-apps export, one phone or tablet host per device with its apps.

Formats, from Microsoft's own reference of the exports (MicrosoftDocs/memdocs,
intune/device-management/reports/ref-graph-available-reports.md, "DevicesWithInventory", "AppInvRawData",
"AppInvByDevice", "AppInvAggregate"; learn.microsoft.com/intune/device-management/reports/ref-graph-available-reports):
- Devices > All devices > Export is report DevicesWithInventory; its CSV columns are the "Columns received":
  "Device ID", "Device name", "Enrollment date", "Last check-in", "Microsoft Entra Device ID" (formerly
  "Azure AD Device ID"), "OS version", "Serial number", "Manufacturer", "Model", "IMEI", "Security patch level",
  "Primary user UPN", "Compliance", "Managed by", "Ownership", "Device state", "OS", ... Its "OS" is the
  enrollment type for Android ("Android (fully managed)", "Android (personally-owned work profile)", as the
  IntuneDevices log table shows them) and "iOS/iPadOS" for Apple devices.
- Apps > Monitor > Discovered apps > Export (all data: AppInvRawData) and a device's Discovered apps export
  (AppInvByDevice) have one row per app per device: ApplicationKey, ApplicationName, ApplicationPublisher,
  ApplicationShortVersion, ApplicationVersion, DeviceId, DeviceName, OSDescription, OSVersion, Platform,
  UserId, EmailAddress, UserName (AppInvByDevice adds ApplicationId). Column names are compared without case,
  spaces or punctuation, so "Application Name" and "ApplicationName" are the same column.
- The summarised Discovered apps export (AppInvAggregate: ApplicationName, ..., DeviceCount, Platform) counts
  devices per app and names none: it is refused, since its counts cannot be tied to any host.
What Intune collects (memdocs, intune/apps/app-discovered-apps.md): a personally-owned device lists only the
apps Intune manages, an Android work profile only the work profile's apps, and fully managed or dedicated Android
devices list none. Such hosts carry an `errors` entry, so they count as incomplete, never as free of foreign apps.
Computers in the export (Windows, macOS, Linux) are left to Footprint's agent and noted, not imported.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Optional, Tuple

from server.importers.common import drop_empty, report_envelope, text_of
from server.importers.limits import InventoryFileError
from server.importers.mobile import app_item, device_kind, os_facts

TOOL = "intune"
DEVICES, APPS, SUMMARY = "devices", "apps", "summary"
_AGENT = {"name": "intune", "version": "export"}
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_MOMENT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_US_MOMENT = "%m/%d/%Y %I:%M:%S %p"  # the admin center's en-US rendering, 11/23/2026 9:14:02 AM
_SUMMARY_REFUSED = (
    "an Intune discovered-apps summary (one row per app with a device count, no device): its counts cannot be "
    "tied to any device, so nothing of it is imported. Export the per-device data instead: Apps > Monitor > "
    "Discovered apps > Export with all inventory data (report AppInvRawData), or each device's Discovered apps"
)


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def kind_of(head: bytes) -> Optional[str]:
    """devices | apps | summary when the first line is an Intune export's header, else None."""
    line = head.decode("utf-8-sig", "replace").splitlines()[0] if head.strip() else ""
    try:
        columns = {_key(c) for c in next(csv.reader([line]))}
    except (csv.Error, StopIteration):
        return None
    if {"deviceid", "devicename", "lastcheckin", "osversion", "os"} <= columns:
        return DEVICES
    if "applicationname" in columns and "deviceid" in columns:
        return APPS
    if "applicationname" in columns and "devicecount" in columns:
        return SUMMARY
    return None


@dataclass
class Table:
    """One export's rows keyed by normalised column name, with the file's name for messages."""

    name: str
    kind: str
    rows: List[Tuple[int, Dict[str, str]]] = field(default_factory=list)


def read_table(name: str, data: bytes) -> Table:
    """Parse one export; InventoryFileError names the file, and the line where the CSV breaks."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InventoryFileError(f"{name}: CSV that is not UTF-8 (byte {exc.start})") from None
    kind = kind_of(data[:65536])
    if kind is None:
        raise InventoryFileError(f"{name}: not an Intune devices or discovered-apps export (unknown header)")
    if kind == SUMMARY:
        raise InventoryFileError(f"{name}: {_SUMMARY_REFUSED}")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [_key(c) for c in next(reader)]
        table = Table(name, kind)
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise InventoryFileError(
                    f"{name}, line {reader.line_num}: {len(row)} fields where the header has {len(header)} "
                    "(truncated or hand-edited export?)"
                )
            table.rows.append((reader.line_num, dict(zip(header, row))))
    except csv.Error as exc:
        raise InventoryFileError(f"{name}, line {reader.line_num}: malformed CSV ({exc})") from None
    return table


def _moment(value: str, where: str) -> str:
    """An Intune time (UTC, "2026-11-23 09:14:02.0000000" or the admin center's "11/23/2026 9:14:02 AM")."""
    text = value.strip()
    found = _MOMENT.match(text)
    try:
        moment = datetime(*map(int, found.groups())) if found else datetime.strptime(text, _US_MOMENT)
    except ValueError:
        raise InventoryFileError(f"{where}: {text[:40]!r} is not a time (expected YYYY-MM-DD hh:mm:ss)") from None
    if moment.year < 2000:  # 0001-01-01: never
        raise InventoryFileError(f"{where}: {text[:40]!r} is not a plausible check-in time")
    return moment.replace(tzinfo=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _family(os_column: str) -> Optional[str]:
    """android | ios from the export's OS column, None for a computer."""
    os_name = os_column.lower()
    if os_name.startswith(("android", "aosp")):
        return "android"
    if os_name.startswith(("ios", "ipados", "iphone", "ipad")):
        return "ios"
    return None


def _limits(row: Dict[str, str], family: str, listed: bool) -> List[Dict[str, str]]:
    """What this device's app list leaves out, by what Intune collects for its ownership and enrollment."""
    said = []
    os_name = row.get("os", "").lower()
    if row.get("ownership", "").lower() == "personal":
        said.append("personally-owned: Intune lists only the apps it manages on it")
    elif "work profile" in os_name:
        said.append("Android work profile: Intune lists only the work profile's apps")
    if not listed:
        why = " (Intune lists none for a fully managed or dedicated Android)" if (
            family == "android" and ("fully managed" in os_name or "dedicated" in os_name)) else ""
        said.append("no discovered apps for this device in the exports imported" + why)
    return [{"source": "import", "message": m} for m in said]


def _apps(rows: Iterable[Dict[str, str]], family: str) -> List[Dict[str, Any]]:
    items: Dict[Tuple[str, str], Dict[str, Any]] = {}
    for row in rows:
        short, full = text_of(row.get("applicationshortversion")), text_of(row.get("applicationversion"))
        item = app_item(
            family, row.get("applicationname"), short or full, app_id=row.get("applicationid"),
            version_code=full if short and full and full != short else None,
            publisher=row.get("applicationpublisher"),
        )
        if item:
            items.setdefault((item.get("id") or item["name"], item["version"]), item)
    return list(items.values())


def _device_report(data: bytes, index: int, row: Dict[str, str], apps: List[Dict[str, str]],
                   family: str) -> Dict[str, Any]:
    kind = device_kind(row.get("model"))
    os_ = os_facts(family, kind, text_of(row.get("osversion")),
                   security_patch=text_of(row.get("securitypatchlevel")) if family == "android" else None)
    host = drop_empty({
        "id": f"{TOOL}:{row['deviceid'].strip().lower()}", "id_source": f"import:{TOOL}", "kind": kind,
        "hostname": text_of(row.get("devicename")), "os": os_,
    })
    hardware = {"vendor": text_of(row.get("manufacturer")), "model": text_of(row.get("model")),
                "serial": text_of(row.get("serialnumber"))}
    report = report_envelope(data, index, row["_collected"], _AGENT, host, hardware, {"interfaces": []},
                             _apps(apps, family))
    errors = _limits(row, family, bool(apps))
    if errors:
        report["errors"] = errors
    return report


def _devices(tables: List[Table]) -> Tuple[Dict[str, Dict[str, str]], Dict[str, int]]:
    """Phones and tablets by device id (the newest check-in where exports overlap), and computers left out by OS."""
    phones: Dict[str, Dict[str, str]] = {}
    computers: Dict[str, int] = {}
    for table in tables:
        for line, row in table.rows:
            where = f"{table.name}, line {line}"
            device = (row.get("deviceid") or "").strip().lower()
            if not _GUID.match(device):
                raise InventoryFileError(f"{where}: 'Device ID' {device[:60]!r} is not an Intune device id (a GUID)")
            family = _family(row.get("os", ""))
            if family is None:
                shown = text_of(row.get("os")) or "no OS"
                computers[shown] = computers.get(shown, 0) + 1
                continue
            collected = _moment(row.get("lastcheckin", ""), f"{where}, 'Last check-in'")
            if device not in phones or collected > phones[device]["_collected"]:
                phones[device] = {**row, "_collected": collected, "_family": family}
    return phones, computers


def reports(files: List[Tuple[str, bytes]]) -> Tuple[List[Dict[str, Any]], List[str]]:
    """The reports of one import's Intune exports (device lists with their discovered apps) and what was left out;
    InventoryFileError when the device list or the app rows are missing, or a file cannot be read."""
    tables = [read_table(name, data) for name, data in files]
    device_tables = [t for t in tables if t.kind == DEVICES]
    app_tables = [t for t in tables if t.kind == APPS]
    named = ", ".join(name for name, _ in files)
    if not device_tables:
        raise InventoryFileError(
            f"{named}: Intune discovered apps name devices by id only: import them with the device list "
            "(Devices > All devices > Export) in the same footprint import"
        )
    if not app_tables:
        raise InventoryFileError(
            f"{named}: an Intune device list alone has no apps, and importing it would erase the apps stored for "
            "its devices: import it with the discovered-apps export (Apps > Monitor > Discovered apps > Export, "
            "all inventory data) in the same footprint import"
        )
    phones, computers = _devices(device_tables)
    by_device: Dict[str, List[Dict[str, str]]] = {}
    unmatched = set()
    for table in app_tables:
        for _line, row in table.rows:
            device = (row.get("deviceid") or "").strip().lower()
            if device in phones:
                by_device.setdefault(device, []).append(row)
            else:
                unmatched.add(device)
    data = b"".join(d for _, d in files)
    found = [_device_report(data, i, phones[d], by_device.get(d, []), phones[d]["_family"])
             for i, d in enumerate(sorted(phones))]
    notes = [f"{n} {os_name} device{'s' if n > 1 else ''} not imported (a computer: inventory it with "
             "footprint-agent)" for os_name, n in sorted(computers.items())]
    if unmatched:
        notes.append(f"discovered apps of {len(unmatched)} device(s) not imported: not phones or tablets of the "
                     "device list imported")
    return found, notes

"""What every importer shares: safe XML, dates, source names, host identity and the report envelope."""

from __future__ import annotations

import hashlib
import io
import ipaddress
import re
import uuid
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Dict, Iterable, List, Optional, Tuple

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from server.importers.limits import MAX_DEPTH, MAX_NODES, InventoryFileError

SCHEMA = "footprint.report/1"
# report_id is derived from the file's bytes, so importing the same file twice is a no-op for the collector.
_REPORT_NAMESPACE = uuid.UUID("6f7a5c1e-2b1d-4c55-9a40-8d1e0c2b7f10")
_EARLIEST_PLAUSIBLE = date(1985, 1, 1)


def parse_xml(text: bytes):
    """Parse untrusted XML while streaming: any DTD or entity declaration is refused (no entity expansion, no
    external fetch), and so is nesting past MAX_DEPTH or more than MAX_NODES elements, before they are built."""
    if text.count(b"<") > 2 * MAX_NODES + 16:
        raise InventoryFileError(f"XML with more than {MAX_NODES:,} elements")
    depth = nodes = 0
    root = None
    try:
        for event, element in SafeET.iterparse(io.BytesIO(text), events=("start", "end"), forbid_dtd=True):
            if event == "end":
                depth -= 1
                continue
            depth, nodes = depth + 1, nodes + 1
            if depth > MAX_DEPTH:
                raise InventoryFileError(f"XML nested deeper than {MAX_DEPTH} elements")
            if nodes > MAX_NODES:
                raise InventoryFileError(f"XML with more than {MAX_NODES:,} elements")
            if root is None:
                root = element
    except DefusedXmlException as exc:
        raise InventoryFileError(f"XML with a DTD or entity declaration is refused ({exc})") from None
    except SafeET.ParseError as exc:
        line, column = exc.position
        raise InventoryFileError(
            f"malformed XML at line {line}, column {column} (truncated or corrupt file?)"
        ) from None
    return root


def text_of(value: Any) -> Optional[str]:
    """A clean string, or None for empty/whitespace-only values (unknown values are left out)."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def integer(value: Any) -> Optional[int]:
    """An int from agent output such as "24103" or "2048.5"; None when absent or not a number."""
    try:
        return int(float(str(value).strip()))
    except (TypeError, ValueError):
        return None


_DATE_FORMS: Tuple[Tuple[re.Pattern, str], ...] = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$"), "ymd"),
    (re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})(?: .*)?$"), "ymd"),  # OCS: 2025/04/20 00:00:00
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: .*)?$"), "dmy"),  # GLPI/FusionInventory XML: 20/04/2025
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), "ymd"),  # Windows InstallDate: 20250420
)


@lru_cache(maxsize=4096)  # a fleet's files repeat the same few thousand install dates
def _calendar_date(text: str) -> Optional[date]:
    for pattern, order in _DATE_FORMS:
        match = pattern.match(text)
        if not match:
            continue
        a, b, c = (int(g) for g in match.groups())
        year, month, day = (a, b, c) if order == "ymd" else (c, b, a)
        try:
            return date(year, month, day)
        except ValueError:
            return None
    return None


def install_date(value: Any) -> Optional[str]:
    """An ISO date from the date forms the agents write; None for absent or implausible dates (1970, 0000)."""
    text = text_of(value)
    parsed = _calendar_date(text) if text else None
    if parsed is None or not _EARLIEST_PLAUSIBLE <= parsed <= date.today() + timedelta(days=1):
        return None
    return parsed.isoformat()


def _utc_moment(value: Any, utc_offset: Optional[str]) -> Optional[datetime]:
    """The instant of an agent's local "YYYY-MM-DD hh:mm:ss" at its "+0300" offset (UTC when unknown);
    None when the text is no such time or the instant is outside what a datetime holds (year 1, 9999)."""
    text = text_of(value)
    try:
        local = datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S") if text else None
    except ValueError:
        return None
    if local is None:
        return None
    offset = timedelta(0)
    match = re.match(r"^([+-])(\d{2}):?(\d{2})$", utc_offset or "")
    if match:
        sign = -1 if match.group(1) == "-" else 1
        offset = sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))
    try:
        return local.replace(tzinfo=timezone(offset)).astimezone(timezone.utc)
    except (OverflowError, ValueError):
        return None


def _plausible(moment: Optional[datetime]) -> bool:
    """Not before the earliest plausible install, nor more than a day ahead of this machine's clock."""
    earliest = datetime.combine(_EARLIEST_PLAUSIBLE, datetime.min.time(), timezone.utc)
    return moment is not None and earliest <= moment <= datetime.now(timezone.utc) + timedelta(days=1)


def _rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_timestamp(value: Any, utc_offset: Optional[str] = None) -> Optional[str]:
    """RFC 3339 UTC from an agent's local time and offset; None when absent, unreadable or implausible."""
    moment = _utc_moment(value, utc_offset)
    return _rfc3339(moment) if _plausible(moment) else None


def collection_time(value: Any, utc_offset: Optional[str], field: str) -> Optional[str]:
    """When the inventory was taken, in RFC 3339 UTC; None when the file does not say, InventoryFileError
    when it says something that is no plausible time (it decides which of two exports is newer)."""
    if text_of(value) is None:
        return None
    moment = _utc_moment(value, utc_offset)
    if not _plausible(moment):
        raise InventoryFileError(
            f"{field} {text_of(value)[:40]!r} is not a plausible time (expected YYYY-MM-DD hh:mm:ss, "
            f"from {_EARLIEST_PLAUSIBLE.year} to tomorrow)"
        )
    return _rfc3339(moment)


_DEVICEID_STAMP = re.compile(r"^(?P<name>.+)-(?P<stamp>\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})$")


def split_deviceid(deviceid: Optional[str]) -> Tuple[Optional[str], Optional[str]]:
    """GLPI/OCS device ids are "<hostname>-YYYY-MM-DD-hh-mm-ss": the stable part and the stamp as a time;
    InventoryFileError when the suffix has that shape but is no time (2026-13-45-99-99-99)."""
    text = text_of(deviceid)
    if not text:
        return None, None
    match = _DEVICEID_STAMP.match(text)
    if not match:
        return text, None
    try:
        stamp = datetime.strptime(match.group("stamp"), "%Y-%m-%d-%H-%M-%S")
    except ValueError:
        raise InventoryFileError(
            f"device id {text[:80]!r} ends in an impossible time stamp {match.group('stamp')!r}"
        ) from None
    return match.group("name"), stamp.strftime("%Y-%m-%d %H:%M:%S")


# Values firmware vendors leave in place of a real UUID or serial number: never an identity.
_PLACEHOLDER_UUIDS = {
    "00000000-0000-0000-0000-000000000000",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "03000200-0400-0500-0006-000700080009",
    "00020003-0004-0005-0006-000700080009",
}
_PLACEHOLDER_SERIAL = re.compile(
    r"^(0+|none|n/?a|null|default( string)?|to be filled by o\.?e\.?m\.?|system serial number|"
    r"not (specified|applicable|available)|unknown|serial|chassis serial number|123456789|x+)$",
    re.IGNORECASE,
)


def host_identity(tool: str, uuid_text: Any, serial: Any, deviceid: Any) -> str:
    """The imported host's id, stable across exports: SMBIOS UUID, else BIOS serial, else the device id
    without its timestamp (in effect the hostname). Namespaced by tool so two tools never merge one host."""
    machine_uuid = (text_of(uuid_text) or "").lower()
    if re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", machine_uuid) and (
        machine_uuid not in _PLACEHOLDER_UUIDS
    ):
        return f"{tool}:uuid:{machine_uuid}"
    serial_text = text_of(serial)
    if serial_text and not _PLACEHOLDER_SERIAL.match(serial_text):
        return _host_id(tool, "serial", serial_text)
    stable_name, _ = split_deviceid(text_of(deviceid))
    if not stable_name:
        raise InventoryFileError("no machine UUID, serial number or device id to identify the host")
    return _host_id(tool, "deviceid", stable_name.lower())


def _host_id(tool: str, kind: str, value: str) -> str:
    """A host id the collector accepts: at most 128 characters, none of whitespace / \\ ? # %."""
    host_id = f"{tool}:{kind}:" + re.sub(r"[\s/\\?#%]+", "_", value)
    if len(host_id) > 128:
        host_id = f"{tool}:{kind}-sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()[:40]
    return host_id


# The other agents' names for where a program came from, as Footprint's `source` values.
_SOURCES = {
    "registry": "windows",
    "msi": "windows",
    "uwp": "msix",
    "appx": "msix",
    "msix": "msix",
    "deb": "deb",
    "dpkg": "deb",
    "rpm": "rpm",
    "snap": "snap",
    "flatpak": "flatpak",
    "pkgutil": "pkgutil",
    "pkg": "pkgutil",
    "app": "macos-app",
    "application": "macos-app",
    "homebrew": "homebrew",
    "brew": "homebrew",
}


def software_source(declared: Optional[str], os_family: Optional[str]) -> Optional[str]:
    """Footprint's source for an entry, from the agent's FROM and the host's OS; None when it has none
    (Windows hotfixes from WMI, or a Linux packager Footprint does not model)."""
    key = (declared or "").strip().lower()
    if key:
        return _SOURCES.get(key)
    # Entries without FROM: the Windows Uninstall list (older agents, OCS) and macOS applications.
    return {"windows": "windows", "macos": "macos-app"}.get(os_family or "")


_OS_FAMILIES = (
    (re.compile(r"windows|mswin", re.I), "windows"),
    (re.compile(r"darwin|mac ?os|os x", re.I), "macos"),
)


def os_family(*names: Optional[str]) -> str:
    """linux | windows | macos from whatever OS names the agent gave (kernel name, OS name)."""
    joined = " ".join(n for n in names if n)
    for pattern, family in _OS_FAMILIES:
        if pattern.search(joined):
            return family
    return "linux"


# os-release ids for distributions whose name is all an agent reports; domestic ones matter for the totals.
_DISTRO_IDS = (
    (r"astra", "astra"),
    (r"red ?os|редос", "redos"),
    (r"\balt\b|alt ?linux|альт", "altlinux"),
    (r"rosa", "rosa"),
    (r"ubuntu", "ubuntu"),
    (r"debian", "debian"),
    (r"fedora", "fedora"),
    (r"centos", "centos"),
    (r"red hat|rhel", "rhel"),
    (r"rocky", "rocky"),
    (r"alma", "almalinux"),
    (r"opensuse", "opensuse"),
    (r"suse", "sles"),
    (r"linux mint", "linuxmint"),
    (r"arch linux", "arch"),
)


def distro_id(name: Optional[str]) -> Optional[str]:
    """The os-release id for a distribution name such as "Astra Linux" or "Debian GNU/Linux 12"."""
    for pattern, distro in _DISTRO_IDS:
        if name and re.search(pattern, name, re.IGNORECASE):
            return distro
    return None


def interface_address(address: Optional[str], mask: Optional[str]) -> Optional[str]:
    """"10.0.0.5/24" from an address and its netmask ("255.255.255.0" or "ffff:ffff::"); else the bare
    address."""
    address = text_of(address)
    if not address:
        return None
    mask = text_of(mask)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    try:
        bits = bin(int(ipaddress.ip_address(mask))) if mask else ""
    except ValueError:
        bits = ""
    if bits.rstrip("0") == "0b" + "1" * bits.count("1") and bits.count("1"):  # a contiguous netmask
        return f"{ip}/{bits.count('1')}"
    return str(ip)


def interfaces(entries: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Group the agents' one-row-per-address NETWORKS into interfaces; loopback is left out."""
    grouped: Dict[Tuple[str, str], Dict[str, Any]] = {}
    for entry in entries:
        name = text_of(entry.get("description"))
        if not name or name == "lo" or (text_of(entry.get("type")) or "").lower() == "loopback":
            continue
        mac = (text_of(entry.get("mac")) or "").lower()
        interface = grouped.setdefault((name, mac), {"name": name})
        if mac and mac != "00:00:00:00:00:00":
            interface["mac"] = mac
        for address, mask in (
            (entry.get("ipaddress"), entry.get("ipmask")),
            (entry.get("ipaddress6"), entry.get("ipmask6")),
        ):
            cidr = interface_address(address, mask)
            if cidr and cidr not in interface.setdefault("addresses", []):
                interface["addresses"].append(cidr)
    return list(grouped.values())


def disks(drives: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Report disks from GLPI/OCS DRIVES rows (VOLUMN device, TYPE mount point or LETTER, TOTAL in MB)."""
    found = []
    for drive in drives:
        disk = drop_empty({
            "device": text_of(drive.get("volumn")),
            "mount": text_of(drive.get("type")) or text_of(drive.get("letter")),
            "fstype": text_of(drive.get("filesystem")),
            "size_bytes": (integer(drive.get("total")) or 0) * 1024 * 1024 or None,
        })
        if disk.get("device") or disk.get("mount"):
            found.append(disk)
    return found


def hardware_facts(
    cpu_model: Any, cores: Iterable[Any], threads: Iterable[Any], memory_mb: Any, bios: Dict[str, Any],
    drives: Iterable[Dict[str, Any]],
) -> Dict[str, Any]:
    """The report's `hardware` from what GLPI and OCS both record: per-CPU core/thread counts, memory in MB,
    the BIOS section's system maker, model and serial, and the DRIVES rows."""
    memory = integer(memory_mb)
    return {
        "cpu_model": text_of(cpu_model),
        "cpu_cores": sum(filter(None, map(integer, cores))) or None,
        "cpu_threads": sum(filter(None, map(integer, threads))) or None,
        "memory_bytes": memory * 1024 * 1024 if memory else None,
        "vendor": text_of(bios.get("smanufacturer")),
        "model": text_of(bios.get("smodel")),
        "serial": text_of(bios.get("ssn")),
        "disks": disks(drives),
    }


def section(content: Dict[str, Any], key: str) -> Dict[str, Any]:
    """A GLPI section that should be an object; anything else (a hand-edited file) counts as absent."""
    value = content.get(key)
    return value if isinstance(value, dict) else {}


def drop_empty(mapping: Dict[str, Any]) -> Dict[str, Any]:
    """The report leaves unknown values out rather than sending null or empty strings/lists."""
    return {k: v for k, v in mapping.items() if v not in (None, "", [], {})}


def report_envelope(
    data: bytes,
    index: int,
    collected_at: Optional[str],
    agent: Dict[str, Any],
    host: Dict[str, Any],
    hardware: Dict[str, Any],
    network: Dict[str, Any],
    software: List[Dict[str, Any]],
) -> Dict[str, Any]:
    """A footprint.report/1 dict; its report_id is a UUID derived from the file's content and position."""
    digest = hashlib.sha256(data).hexdigest()
    report = {
        "schema": SCHEMA,
        "report_id": str(uuid.uuid5(_REPORT_NAMESPACE, f"{digest}:{index}")),
        "collected_at": collected_at or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "agent": agent,
        "host": host,
        "hardware": drop_empty(hardware),
        "network": network,
        "software": software,
    }
    return report  # no inventory_hash: the collector computes it from the report it stores


_GUID = re.compile(r"^\{?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}?$")
_URL = re.compile(r"^(https?|ftp)://", re.IGNORECASE)


def msix_family_name(folder: Optional[str]) -> Optional[str]:
    """The MSIX PackageFamilyName (Name_PublisherId) from an install folder: "…\\SystemApps\\Name_pubid"
    or "…\\WindowsApps\\Name_Version_Arch_Resource_pubid"."""
    base = re.split(r"[\\/]", folder.rstrip("\\/"))[-1] if folder else ""
    parts = base.split("_")
    if len(parts) == 2 and all(parts):
        return base
    if len(parts) == 5 and parts[0] and parts[4]:
        return f"{parts[0]}_{parts[4]}"
    return None


def software_entry(fields: Dict[str, Any], source: str) -> Optional[Dict[str, Any]]:
    """One report `software[]` item from an agent's entry, keys already lower-case GLPI names
    (name, version, publisher, arch, install_date, guid, folder, username, url_info_about, system_category)."""
    name = text_of(fields.get("name"))
    if not name:
        return None
    if source == "deb":  # OCS lists multi-arch packages as "libc6:amd64"; a deb name never has a colon
        name = name.partition(":")[0]
    publisher = text_of(fields.get("publisher"))
    homepage = text_of(fields.get("url_info_about"))
    if publisher and _URL.match(publisher):  # OCS puts a deb's Homepage where the publisher goes
        publisher, homepage = None, homepage or publisher
    folder = text_of(fields.get("folder"))
    item: Dict[str, Any] = {
        "name": name,
        "version": text_of(fields.get("version")),
        "source": source,
        "publisher": publisher,
        "arch": text_of(fields.get("arch")),
        "install_date": install_date(fields.get("install_date")),
        "location": folder,
    }
    guid = text_of(fields.get("guid"))
    if source == "windows" and guid:
        item["id"] = guid.upper() if _GUID.match(guid) else guid
    elif source == "msix":
        item["id"] = msix_family_name(folder)
    elif source in ("deb", "rpm", "snap", "flatpak", "homebrew"):
        item["id"] = name
    user = text_of(fields.get("username"))
    item.update(scope="user", user=user) if user else item.update(scope="system")
    extra = drop_empty({"homepage": homepage, "distributor": text_of(fields.get("distributor"))})
    if source == "deb":
        extra.update(drop_empty({"section": text_of(fields.get("system_category"))}))
    if extra:
        item["extra"] = extra
    return {**drop_empty(item), "version": item["version"] or ""}  # version is required, maybe unknown


def software_list(
    entries: Iterable[Dict[str, Any]], family: str
) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """The report's software and errors: entries from a source Footprint does not model are counted
    in `errors` (never dropped silently); Windows hotfixes from WMI are updates, not programs, and skipped."""
    software: List[Dict[str, Any]] = []
    unmapped: Dict[str, int] = {}
    for fields in entries:
        declared = text_of(fields.get("from"))
        source = software_source(declared, family)
        if source is None:
            if (declared or "").lower() != "wmi":
                key = declared or "no source"
                unmapped[key] = unmapped.get(key, 0) + 1
            continue
        item = software_entry(fields, source)
        if item:
            software.append(item)
    errors = [
        {"source": "import", "message": f"not imported: {count} software entr{'y' if count == 1 else 'ies'} "
         f"from '{declared}' (Footprint has no such software source)"}
        for declared, count in sorted(unmapped.items())
    ]
    return software, errors

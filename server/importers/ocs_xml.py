"""OCS Inventory NG XML (`ocsinventory-agent --local=DIR` writes `<deviceid>.ocs`, plain or zlib-compressed;
the Windows agent writes the same REQUEST/CONTENT layout). Decompression happens in `detect`."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from server.importers.common import (
    collection_time,
    distro_id,
    drop_empty,
    hardware_facts,
    host_identity,
    integer,
    interfaces,
    os_family,
    report_envelope,
    software_list,
    split_deviceid,
    text_of,
    utc_timestamp,
)
from server.importers.limits import InventoryFileError

TOOL = "ocs"
_BITS_ARCH = {"64": "x86_64", "32": "i586"}


def _fields(element) -> Dict[str, Any]:
    """A section's child elements as a dict with GLPI's lower-case names."""
    if element is None:
        return {}
    return {child.tag.lower(): child.text for child in element if len(child) == 0}


def _rows(content, tag: str) -> List[Dict[str, Any]]:
    return [_fields(element) for element in content.findall(tag)]


def _os(hardware: Dict[str, Any], cpus: List[Dict[str, Any]]) -> Dict[str, Any]:
    name = text_of(hardware.get("osname"))
    version = text_of(hardware.get("osversion"))
    family = os_family(name)
    short_name = name[: -len(version)].strip() if name and version and name.endswith(version) else name
    description = text_of(hardware.get("description")) or ""
    arch = (cpus[0].get("cpuarch") if cpus else None) or hardware.get("arch") or (
        description.split("/")[0] if "/" in description else None
    )
    described = {
        "family": family,
        "name": name if family == "windows" else short_name,
        "version": version,
        "arch": text_of(arch),
    }
    if family == "linux":
        described["distro_id"] = distro_id(text_of(hardware.get("oscomments"))) or distro_id(name)
    if family == "windows":
        described["product_name"] = name
        described["build"] = version.split(".")[2] if version and version.count(".") >= 2 else None
    return drop_empty(described)


def _hardware(hardware, bios, cpus, drives) -> Dict[str, Any]:
    model = (cpus[0].get("type") if cpus else None) or hardware.get("processort")
    threads = [integer(c.get("logical_cpus")) or c.get("threads") for c in cpus]
    return hardware_facts(model, [c.get("cores") for c in cpus], threads, hardware.get("memory"), bios, drives)


def _software_rows(content) -> List[Dict[str, Any]]:
    """OCS names a few fields differently from GLPI: ARCHITECTURE/BITSWIDTH, INSTALLDATE."""
    rows = []
    for row in _rows(content, "SOFTWARES"):
        bits = text_of(row.get("bitswidth"))
        row["arch"] = text_of(row.get("architecture")) or _BITS_ARCH.get(bits or "", bits)
        row["install_date"] = row.get("installdate")
        rows.append(row)
    return rows


def _network_row(row: Dict[str, Any]) -> Dict[str, Any]:
    """OCS writes IPv6 addresses into IPADDRESS too; move them where GLPI keeps them."""
    row["mac"] = row.get("macaddr")
    if ":" in (row.get("ipaddress") or ""):
        row["ipaddress6"], row["ipmask6"] = row.pop("ipaddress"), row.pop("ipmask", None)
    return row


def _agent(versionclient: Optional[str]) -> Dict[str, Any]:
    name, _, version = (versionclient or "ocsinventory-agent").rpartition("_v")
    return {"name": name or version, "version": version if name else ""}


def reports(data: bytes, root) -> List[Dict[str, Any]]:
    """The report for a parsed OCS Inventory XML inventory (root element REQUEST)."""
    content = root.find("CONTENT")
    if content is None:
        raise InventoryFileError("OCS Inventory XML without a CONTENT element")
    deviceid = text_of(root.findtext("DEVICEID"))
    hardware = _fields(content.find("HARDWARE"))
    bios = _fields(content.find("BIOS"))
    cpus = _rows(content, "CPUS")
    os_facts = _os(hardware, cpus)
    software, errors = software_list(_software_rows(content), os_facts["family"])
    networks = [_network_row(row) for row in _rows(content, "NETWORKS")]
    host = drop_empty({
        "id": host_identity(TOOL, hardware.get("uuid"), bios.get("ssn"), deviceid),
        "id_source": f"import:{TOOL}",
        "hostname": text_of(hardware.get("name")) or split_deviceid(deviceid)[0],
        "os": os_facts,
    })
    collected_at = collection_time(content.findtext("ACCESSLOG/LOGDATE"), None, "ACCESSLOG/LOGDATE") or (
        utc_timestamp(split_deviceid(deviceid)[1])
    )
    report = report_envelope(
        data, 0, collected_at, _agent(text_of(content.findtext("VERSIONCLIENT"))), host,
        _hardware(hardware, bios, cpus, _rows(content, "DRIVES")),
        {"interfaces": interfaces(networks)}, software,
    )
    if errors:
        report["errors"] = errors
    return [report]

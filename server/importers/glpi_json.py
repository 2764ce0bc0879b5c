"""GLPI agent inventories (GLPI 10 `inventory_format` JSON, as `glpi-agent --local DIR` writes them).

The FusionInventory/GLPI XML importer converts its XML into the same `content` shape and reuses
`report_from_content`, so both formats map identically.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from server.importers.common import (
    collection_time,
    distro_id,
    drop_empty,
    hardware_facts,
    host_identity,
    interfaces,
    os_family,
    report_envelope,
    section,
    software_list,
    split_deviceid,
    text_of,
    utc_timestamp,
)
from server.importers.glpi_phone import is_android, phone_facts, phone_software
from server.importers.limits import InventoryFileError

TOOL = "glpi"


def _rows(content: Dict[str, Any], key: str) -> List[Dict[str, Any]]:
    value = content.get(key)
    if isinstance(value, dict):
        return [value]
    return [row for row in value if isinstance(row, dict)] if isinstance(value, list) else []


def _agent(versionclient: Optional[str]) -> Dict[str, Any]:
    """"GLPI-Agent_v1.7" → name and version of the agent that made the inventory."""
    name, _, version = (versionclient or "glpi-agent").partition("_v")
    return {"name": name, "version": version}


def _os(content: Dict[str, Any]) -> Dict[str, Any]:
    system = section(content, "operatingsystem")
    hardware = section(content, "hardware")
    name = text_of(system.get("name")) or text_of(hardware.get("osname"))
    full_name = text_of(system.get("full_name")) or name
    family = os_family(text_of(system.get("kernel_name")), name, full_name)
    kernel = text_of(system.get("kernel_version")) or text_of(hardware.get("osversion"))
    described = {
        "family": family,
        "name": full_name if family == "windows" else name,
        "version": text_of(system.get("version")),
        "kernel": kernel,
        "arch": text_of(system.get("arch")),
    }
    if family == "linux":
        described["distro_id"] = distro_id(full_name) or distro_id(name)
    if family == "windows":
        described["product_name"] = full_name
        described["build"] = kernel.split(".")[2] if kernel and kernel.count(".") >= 2 else None
    return drop_empty(described)


def _hardware(content: Dict[str, Any]) -> Dict[str, Any]:
    cpus = _rows(content, "cpus")
    return hardware_facts(
        cpus[0].get("name") if cpus else None, [c.get("core") for c in cpus], [c.get("thread") for c in cpus],
        section(content, "hardware").get("memory"), section(content, "bios"), _rows(content, "drives"),
    )


def _deb_distributor(row: Dict[str, Any]) -> Dict[str, Any]:
    """GLPI and FusionInventory agents write `lsb_release -i` (the distribution) as every deb's PUBLISHER, third-party
    packages included: it is kept as extra.distributor, never taken for the package's vendor."""
    if (text_of(row.get("from")) or "").lower() == "deb" and text_of(row.get("publisher")):
        return dict(row, distributor=row["publisher"], publisher=None)
    return row


def report_from_content(
    data: bytes, index: int, deviceid: Optional[str], content: Dict[str, Any], itemtype: Optional[str] = None
) -> Dict[str, Any]:
    """One report from a GLPI inventory's `content` object (lower-case keys, repeated sections as lists); an
    Android inventory (GLPI's Android agent) is a phone or tablet host with apps of source android."""
    hardware = section(content, "hardware")
    system = section(content, "operatingsystem")
    bios = section(content, "bios")
    offset = text_of(section(system, "timezone").get("offset"))
    _, stamp = split_deviceid(deviceid)
    collected_at = collection_time(section(content, "accesslog").get("logdate"), offset, "logdate") or (
        utc_timestamp(stamp, offset)
    )
    boot_time = utc_timestamp(system.get("boot_time"), offset)
    if is_android(content, itemtype):
        host, machine = phone_facts(TOOL, deviceid, content)
        host.update(drop_empty({"boot_time": boot_time}))
        software, errors = phone_software(_rows(content, "softwares"))
    else:
        os_facts = _os(content)
        rows = [_deb_distributor(row) for row in _rows(content, "softwares")]
        software, errors = software_list(rows, os_facts["family"])
        host = drop_empty({
            "id": host_identity(TOOL, hardware.get("uuid"), bios.get("ssn"), deviceid),
            "id_source": f"import:{TOOL}",
            "hostname": text_of(hardware.get("name")) or split_deviceid(deviceid)[0],
            "fqdn": text_of(system.get("fqdn")),
            "boot_time": boot_time,
            "os": os_facts,
        })
        machine = _hardware(content)
    report = report_envelope(
        data, index, collected_at, _agent(text_of(content.get("versionclient"))), host,
        machine, {"interfaces": interfaces(_rows(content, "networks"))}, software,
    )
    if errors:
        report["errors"] = errors
    return report


def reports(data: bytes, document: Any) -> List[Dict[str, Any]]:
    """The report for a parsed GLPI JSON inventory: a computer's, or a phone's (the Android agent's); other
    items (printers, network equipment) carry no installed software."""
    if not isinstance(document, dict) or not isinstance(document.get("content"), dict):
        raise InventoryFileError("GLPI inventory without a 'content' object")
    if document.get("partial") is True:  # only the changed sections: as a full inventory it would erase the rest
        raise InventoryFileError(
            "partial GLPI inventory (only the sections that changed): export a full one (glpi-agent --local DIR --full)"
        )
    itemtype = text_of(document.get("itemtype")) or "Computer"
    if itemtype.lower() not in ("computer", "phone"):
        raise InventoryFileError(f"GLPI inventory of a {itemtype}, not a computer or phone: nothing to import")
    return [report_from_content(data, 0, text_of(document.get("deviceid")), document["content"], itemtype)]

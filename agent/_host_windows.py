"""Windows host facts, all from the registry: MachineGuid, OS version keys, BIOS and raw SMBIOS."""

from __future__ import annotations

import os
import platform
import uuid
from typing import Dict, List, Optional, Tuple

from agent.sources.base import SourceError
from agent.windows_registry.reader import (
    RegistryReader,
    value_int,
    value_str,
    values_or_empty,
)

CRYPTOGRAPHY = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Cryptography"
CURRENT_VERSION = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion"
ENVIRONMENT = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Session Manager\Environment"
BIOS = r"HKEY_LOCAL_MACHINE\HARDWARE\DESCRIPTION\System\BIOS"
SMBIOS = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\mssmbios\Data"
COMPUTER_NAME = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName"
TCPIP = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters"
FIRST_WINDOWS_11_BUILD = 22000
ARCHITECTURES = {"AMD64": "x86_64", "X86": "x86", "ARM64": "arm64", "IA64": "ia64"}
# Firmware fill-ins that identify nothing; reporting them would merge unrelated machines.
PLACEHOLDERS = {
    "",
    "default string",
    "to be filled by o.e.m.",
    "system serial number",
    "system product name",
    "system manufacturer",
    "not specified",
    "none",
    "0",
}


def _registry(reader: Optional[RegistryReader]) -> RegistryReader:
    """The 64-bit view: a 32-bit agent would otherwise be redirected to WOW6432Node (no MachineGuid)."""
    if reader is not None:
        return reader
    from agent.windows_registry.reader import WinregReader

    return WinregReader("64")


def host_id(reader: Optional[RegistryReader] = None) -> Optional[Tuple[str, str]]:
    """MachineGuid: set at Windows setup, survives renames and agent reinstalls (not sysprep-less clones)."""
    guid = value_str(values_or_empty(_registry(reader), CRYPTOGRAPHY), "MachineGuid")
    return (guid.lower(), "MachineGuid") if guid else None


def windows_product_name(product_name: str, build: Optional[int]) -> str:
    """Windows 11 keeps "Windows 10 ..." in ProductName; the build number tells them apart."""
    if build is not None and build >= FIRST_WINDOWS_11_BUILD and product_name.startswith("Windows 10"):
        return "Windows 11" + product_name[len("Windows 10") :]
    return product_name


def os_facts(reader: Optional[RegistryReader] = None) -> Dict[str, object]:
    registry = _registry(reader)
    version = values_or_empty(registry, CURRENT_VERSION)
    build_text = value_str(version, "CurrentBuildNumber") or value_str(version, "CurrentBuild")
    build = int(build_text) if build_text and build_text.isdigit() else None
    ubr = value_int(version, "UBR")
    product = windows_product_name(value_str(version, "ProductName") or "Windows", build)
    major, minor = value_int(version, "CurrentMajorVersionNumber"), value_int(version, "CurrentMinorVersionNumber")
    base = f"{major}.{minor}" if major is not None else value_str(version, "CurrentVersion")
    numbers = [part for part in (base, build_text, None if ubr is None else str(ubr)) if part]
    machine = value_str(values_or_empty(registry, ENVIRONMENT), "PROCESSOR_ARCHITECTURE")
    if not machine and reader is None:  # live: this machine is the one described
        machine = platform.machine()
    machine = (machine or "").upper()
    facts: Dict[str, object] = {
        "family": "windows",
        "name": f"Microsoft {product}",
        "version": ".".join(numbers),
        "product_name": product,
        "display_version": value_str(version, "DisplayVersion") or value_str(version, "ReleaseId"),
        "build": build_text,
        "ubr": ubr,
        "arch": ARCHITECTURES.get(machine, machine.lower() or None),
    }
    return {key: value for key, value in facts.items() if value not in (None, "")}


def smbios_system(data: bytes) -> Dict[str, str]:
    """Manufacturer, product and serial from the SMBIOS type 1 table in mssmbios' SMBiosData.

    The value is an 8-byte header (calling method, version, length) followed by the raw tables:
    each a formatted area (type, length, handle, fields) and then its strings, ending in two NULs.
    """
    tables, offset = data[8:], 0
    while offset + 4 <= len(tables):
        kind, length = tables[offset], tables[offset + 1]
        end = tables.find(b"\x00\x00", offset + length)
        if length < 4 or end < 0:
            break
        strings = tables[offset + length : end].split(b"\x00")
        if kind == 1 and length >= 8:
            fields = {"vendor": 4, "model": 5, "serial": 7}
            found = {}
            for name, position in fields.items():
                index = tables[offset + position]
                if 0 < index <= len(strings):
                    found[name] = strings[index - 1].decode("ascii", "replace").strip()
            return found
        if kind == 127:
            break
        offset = end + 2
    return {}


def hardware_facts(reader: Optional[RegistryReader] = None) -> Dict[str, str]:
    """Vendor and model from the BIOS key (always there), the serial from raw SMBIOS."""
    registry = _registry(reader)
    bios = values_or_empty(registry, BIOS)
    raw = values_or_empty(registry, SMBIOS).get("smbiosdata")
    smbios = smbios_system(raw.data) if raw is not None and isinstance(raw.data, bytes) else {}
    facts = {
        "vendor": value_str(bios, "SystemManufacturer") or smbios.get("vendor"),
        "model": value_str(bios, "SystemProductName") or smbios.get("model"),
        "serial": smbios.get("serial"),
    }
    return {k: v for k, v in facts.items() if v and v.strip().lower() not in PLACEHOLDERS}


def _names(reader: RegistryReader) -> Dict[str, str]:
    tcpip = values_or_empty(reader, TCPIP)
    hostname = value_str(tcpip, "Hostname") or value_str(values_or_empty(reader, COMPUTER_NAME), "ComputerName")
    if not hostname:
        return {}
    names = {"hostname": hostname}
    domain = value_str(tcpip, "Domain")
    if domain:
        names["fqdn"] = f"{hostname}.{domain}"
    return names


def exported_facts(paths: List[str], encoding: Optional[str] = None) -> Tuple[dict, dict, dict, List[SourceError]]:
    """(host, hardware, network, errors) of the machine regedit exports came from, never this one's:
    its software must not be filed under the workstation that reads the files."""
    from agent.windows_registry.regfile import RegFileError, RegFileReader

    reader = RegFileReader()
    for path in paths:
        try:
            reader.load(path, encoding)
        except RegFileError:
            pass  # the software source reports the same file with its line
    errors: List[SourceError] = []
    names = _names(reader)
    identity = host_id(reader)
    if identity is None:
        seed = names.get("hostname", "").lower() or "|".join(sorted(os.path.abspath(p) for p in paths))
        identity = (str(uuid.uuid5(uuid.NAMESPACE_URL, "footprint-reg-export:" + seed)), "generated")
        basis = "the computer name" if names else "the file names"
        message = f"the exports carry no MachineGuid ({CRYPTOGRAPHY}): host id derived from {basis}"
        errors.append(SourceError("host", message))
    host: Dict[str, object] = {"id": identity[0], "id_source": identity[1]}
    host.update(names)
    host["os"] = os_facts(reader) if reader.exists(CURRENT_VERSION) else {"family": "windows"}
    return host, hardware_facts(reader), {"interfaces": []}, errors

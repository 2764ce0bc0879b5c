"""Linux host facts: machine id, OS identity from os-release (via distro), DMI hardware identity."""

from __future__ import annotations

import os
import platform
import re
from typing import Dict, Optional, Tuple

MACHINE_ID_PATHS = ("etc/machine-id", "var/lib/dbus/machine-id")
DMI_DIR = "/sys/class/dmi/id"
_VERSION_NUMBER = re.compile(r"\d+(?:\.\d+)+")
# Firmware placeholders that identify nothing; reporting them would merge unrelated machines.
_DMI_PLACEHOLDERS = frozenset(
    (
        "",
        "to be filled by o.e.m.",
        "default string",
        "system product name",
        "system manufacturer",
        "not specified",
        "none",
        "0",
        "0123456789",
        "system serial number",
        "not applicable",
    )
)


def host_id(root: str = "/") -> Optional[Tuple[str, str]]:
    """The systemd/D-Bus machine id: stable across hostname, IP and agent reinstalls."""
    for relative in MACHINE_ID_PATHS:
        try:
            with open(os.path.join(root, relative), encoding="ascii", errors="replace") as handle:
                value = handle.read().strip().lower()
        except OSError:
            continue
        if len(value) == 32 and all(c in "0123456789abcdef" for c in value) and set(value) != {"0"}:
            return value, "machine-id"
    return None


def os_facts(root: str = "/") -> Dict[str, object]:
    """OS identity from `<root>/etc/os-release` and friends; kernel and arch only when live."""
    import distro

    try:
        info = distro.LinuxDistribution(
            include_lsb=False, include_uname=False, root_dir=None if root == "/" else root
        )
    except TypeError:  # distro < 1.7 has no root_dir/include_uname
        info = distro.LinuxDistribution(
            include_lsb=False,
            os_release_file=_os_release_path(root),
            distro_release_file=os.path.join(root, "etc", "nonexistent-release")
            if root != "/"
            else "",
        )
    distro_id = info.id()
    facts: Dict[str, object] = {
        "family": "linux",
        "name": info.name() or info.os_release_attr("name"),
        "version": _precise_version(info, root),
        "distro_id": distro_id,
        "id_like": info.like().split(),
        "codename": info.codename(),
    }
    if root == "/":
        uname = platform.uname()
        facts["kernel"] = uname.release
        facts["arch"] = uname.machine
    return {key: value for key, value in facts.items() if value not in (None, "", [])}


def _os_release_path(root: str) -> str:
    etc = os.path.join(root, "etc", "os-release")
    return etc if os.path.exists(etc) else os.path.join(root, "usr", "lib", "os-release")


def _precise_version(info, root: str) -> str:
    """The most precise version the release files give: Astra's update level, RED OS's "7.3.6"
    (only in VERSION="MUROM (7.3.6)"), else distro's best guess (e.g. Debian's point release)."""
    version = info.version(best=True)
    if info.id() == "astra":
        return _astra_version(root) or version
    for candidate in _VERSION_NUMBER.findall(info.os_release_attr("version") or ""):
        if candidate.startswith(version + ".") and len(candidate) > len(version):
            version = candidate
    return version


def _astra_version(root: str) -> Optional[str]:
    """Astra's os-release says "1.7_x86-64"; the update level ("1.7.5") is in /etc/astra_version."""
    try:
        with open(os.path.join(root, "etc", "astra_version"), encoding="utf-8") as handle:
            return handle.read().strip() or None
    except OSError:
        return None


def hardware_facts() -> Dict[str, object]:
    """CPU model from /proc/cpuinfo; vendor/model/serial from DMI where readable (serial: root)."""
    facts: Dict[str, object] = {}
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as cpuinfo:
            for line in cpuinfo:
                key, _, value = line.partition(":")
                if key.strip() in ("model name", "Processor", "cpu model") and value.strip():
                    facts["cpu_model"] = value.strip()
                    break
    except OSError:
        pass
    for key, filename in (
        ("vendor", "sys_vendor"),
        ("model", "product_name"),
        ("serial", "product_serial"),
    ):
        value = _read_dmi(filename)
        if value:
            facts[key] = value
    return facts


def _read_dmi(filename: str) -> Optional[str]:
    try:
        with open(os.path.join(DMI_DIR, filename), encoding="utf-8", errors="replace") as handle:
            value = handle.read().strip()
    except OSError:
        return None
    return None if value.lower() in _DMI_PLACEHOLDERS else value

"""macOS host facts: IOPlatformUUID and hardware identity from ioreg, OS version from SystemVersion."""

from __future__ import annotations

import platform
import re
import subprocess
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

SYSTEM_VERSION_PLIST = "/System/Library/CoreServices/SystemVersion.plist"
IOREG = ["ioreg", "-rd1", "-c", "IOPlatformExpertDevice"]
# `"IOPlatformUUID" = "…"` or `"model" = <"MacBookPro18,3">` (data properties print as <"…">).
_IOREG_PROPERTY = re.compile(r'^\s*"([^"]+)"\s*=\s*<?"([^"]*)">?\s*$', re.MULTILINE)


def _command_output(command: List[str]) -> str:
    """A command's stdout; empty when the tool is missing or fails (facts are then left out)."""
    try:
        done = subprocess.run(command, capture_output=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else ""


def parse_ioreg(text: str) -> Dict[str, str]:
    """String and string-like data properties of the IOPlatformExpertDevice node."""
    return {name: value for name, value in _IOREG_PROPERTY.findall(text)}


def parse_sw_vers(text: str) -> Dict[str, str]:
    """`sw_vers` prints "ProductName:\\tmacOS" lines."""
    facts = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if value.strip():
            facts[key.strip()] = value.strip()
    return facts


@lru_cache(maxsize=1)
def _platform_expert() -> Dict[str, str]:
    """One ioreg run serves both the host id and the hardware facts."""
    return parse_ioreg(_command_output(IOREG))


def host_id() -> Optional[Tuple[str, str]]:
    """IOPlatformUUID: the hardware UUID, stable across renames, reinstalls and OS upgrades."""
    uuid = _platform_expert().get("IOPlatformUUID")
    return (uuid.upper(), "IOPlatformUUID") if uuid else None


def _system_version() -> Dict[str, str]:
    """SystemVersion.plist costs a file read; `sw_vers` (a process) only when it is unreadable."""
    import plistlib

    try:
        with open(SYSTEM_VERSION_PLIST, "rb") as handle:
            data = plistlib.load(handle)
        return {
            "ProductVersion": str(data.get("ProductVersion", "")),
            "BuildVersion": str(data.get("ProductBuildVersion", "")),
        }
    except (OSError, ValueError, plistlib.InvalidFileException):
        return parse_sw_vers(_command_output(["sw_vers"]))


def os_facts() -> Dict[str, object]:
    version = _system_version()
    facts = {
        "family": "macos",
        "name": "macOS",
        "version": version.get("ProductVersion"),
        "build": version.get("BuildVersion"),
        "kernel": platform.release(),
        "arch": platform.machine(),
    }
    return {key: value for key, value in facts.items() if value}


def hardware_facts() -> Dict[str, str]:
    expert = _platform_expert()
    facts = {
        "vendor": expert.get("manufacturer"),
        "model": expert.get("model"),
        "serial": expert.get("IOPlatformSerialNumber"),
    }
    return {key: value for key, value in facts.items() if value}

"""Every phone attached, over both tools, and one report per phone (`footprint-agent phones`,
`collect --phone`): a tool that is not installed only hides its own platform's phones."""

from __future__ import annotations

import time
from typing import Dict, List, Tuple

from agent.phones import android, ios
from agent.phones.tools import EXIT_NO_PHONE, EXIT_NO_TOOL, PhoneError, ToolMissing, installed

PLATFORMS = {"android": (android, "adb"), "ios": (ios, "idevice_id")}


def attached() -> Tuple[List[Dict[str, str]], List[str]]:
    """(devices, warnings): each device with its platform, serial/UDID, state and model."""
    devices: List[Dict[str, str]] = []
    warnings: List[str] = []
    missing = []
    for platform, (module, tool) in PLATFORMS.items():
        if not installed(tool):
            missing.append(ToolMissing(tool))
            continue
        try:
            devices.extend({"platform": platform, **device} for device in module.attached())
        except PhoneError as error:
            warnings.append(str(error))
    if len(missing) == len(PLATFORMS):
        raise PhoneError("no phone tool installed: " + "; ".join(str(m) for m in missing), EXIT_NO_TOOL)
    warnings.extend(f"{m} (its phones are not listed)" for m in missing)
    return devices, warnings


def choose(devices: List[Dict[str, str]], wanted: str) -> List[Dict[str, str]]:
    """The devices `--phone` names: `all`, a serial or UDID, or a host id (android-…, ios-…)."""
    if not devices:
        raise PhoneError("no phone attached: plug one in over USB and unlock it", EXIT_NO_PHONE)
    if wanted == "all":
        return devices
    chosen = [d for d in devices if wanted in (d["serial"], f"{d['platform']}-{d['serial']}")]
    if not chosen:
        listed = ", ".join(d["serial"] for d in devices)
        raise PhoneError(f"no phone {wanted} attached (attached: {listed})", EXIT_NO_PHONE)
    return chosen


def report(device: Dict[str, str]) -> dict:
    """The phone's footprint.report/1: the phone is the host."""
    from agent.report import build_report

    started = time.monotonic()
    module = PLATFORMS[device["platform"]][0]
    host, hardware, software, errors = module.collect(device)
    duration_ms = round((time.monotonic() - started) * 1000)
    return build_report(host, hardware, {}, software, errors, duration_ms)

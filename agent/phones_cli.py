"""`footprint-agent phones` and `collect --phone`: list the phones attached to this workstation and
write one report per phone (exit codes: agent/phones/tools.py, README "Phones")."""

from __future__ import annotations

import json
import os
import sys
from typing import Dict, List, Optional, Union

from agent.phones.tools import PhoneError


def phones_main(as_json: bool = False) -> int:
    """List every phone attached with its state; exit 3 when none is."""
    from agent.phones.tools import EXIT_NO_PHONE

    devices = _attached("phones")
    if isinstance(devices, int):
        return devices
    if as_json:
        print(json.dumps(devices, ensure_ascii=False, indent=2))
    elif devices:
        for device in devices:
            model = device.get("model") or device.get("device") or "?"
            line = f"{device['platform']:8} {device['serial']:26} {device['state']:13} {model}"
            print(line + (f"  - {device['reason']}" if device.get("reason") else ""))
    if not devices:
        print("no phone attached: plug one in over USB and unlock it", file=sys.stderr)
        return EXIT_NO_PHONE
    return 0


def collect_phones(wanted: str, output: Optional[str], pretty: bool) -> int:
    """`collect --phone ID|all`: one report per phone, to stdout (one phone) or DIR/<host id>.json."""
    from agent.phones.devices import report

    chosen = _chosen(wanted, "collect")
    if isinstance(chosen, int):
        return chosen
    if len(chosen) > 1 and not output:
        print(f"footprint-agent collect: {len(chosen)} phones attached: give --output DIR for one report "
              "each, or --phone SERIAL", file=sys.stderr)
        return 2
    worst = 0
    for device in chosen:
        try:
            made = report(device)
        except PhoneError as error:
            print(f"footprint-agent collect: {error}", file=sys.stderr)
            worst = max(worst, error.exit_code)
            continue
        text = json.dumps(made, ensure_ascii=False, indent=2 if pretty else None) + "\n"
        if output is None:
            sys.stdout.write(text)
            continue
        written = _write(output, made["host"]["id"], text)
        if written is None:
            worst = max(worst, 1)
        else:
            print(f"{written}: {made['host']['os'].get('name', '?')} {made['host']['os'].get('version', '')} "
                  f"{made['hardware'].get('model', '')}, {len(made['software'])} apps", file=sys.stderr)
    return worst


def send_phones(wanted: str) -> int:
    """`send --phone ID|all`: each phone's report delivered under the phone's own key (agent/phones/delivery.py)."""
    from agent.phones import delivery
    from agent.phones.devices import report
    from agent.service_cli import load_config_or_exit, state_dir_usable

    config = load_config_or_exit()
    if not state_dir_usable(config, "send"):
        return 1
    try:
        server = delivery.collector(config)
    except PhoneError as error:
        print(f"footprint-agent send: {error}", file=sys.stderr)
        return error.exit_code
    chosen = _chosen(wanted, "send")
    if isinstance(chosen, int):
        return chosen
    worst = 0
    for device in chosen:
        try:
            made = report(device)
            outcome = delivery.send(config, made, server)
        except PhoneError as error:
            print(f"footprint-agent send: {error}", file=sys.stderr)
            worst = max(worst, error.exit_code)
            continue
        print(f"{made['host']['id']}: report {made['report_id']} {outcome} ({len(made['software'])} apps)")
    return worst


def _attached(command: str) -> Union[List[Dict[str, str]], int]:
    """Every device attached, each tool's warning printed; else the exit code, with the message."""
    from agent.phones.devices import attached

    try:
        devices, warnings = attached()
    except PhoneError as error:
        print(f"footprint-agent {command}: {error}", file=sys.stderr)
        return error.exit_code
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return devices


def _chosen(wanted: str, command: str) -> Union[List[Dict[str, str]], int]:
    """The devices `--phone` names; else the exit code, with the message."""
    from agent.phones.devices import choose

    devices = _attached(command)
    if isinstance(devices, int):
        return devices
    try:
        return choose(devices, wanted)
    except PhoneError as error:
        print(f"footprint-agent {command}: {error}", file=sys.stderr)
        return error.exit_code


def _write(directory: str, host_id: str, text: str) -> Optional[str]:
    """DIR/<host id>.json, written whole (renamed into place); None (with a message) when it cannot be."""
    from agent.spool import write_atomically

    path = os.path.join(directory, f"{host_id}.json")
    try:
        os.makedirs(directory, exist_ok=True)
        write_atomically(path, text.encode("utf-8"))
    except OSError as error:
        print(f"footprint-agent collect: cannot write {path}: {error.strerror}", file=sys.stderr)
        return None
    return path


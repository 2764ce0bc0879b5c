"""Assembles a `footprint.report/1` report (docs/report-format.md) and its inventory hash."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Iterable, List, Optional

from agent import __version__
from agent.sources.base import rfc3339

SCHEMA = "footprint.report/1"
AGENT_NAME = "footprint-agent"


def build_report(
    host: dict,
    hardware: dict,
    network: dict,
    software: List[dict],
    errors: Iterable[dict],
    duration_ms: int,
    collected_at: Optional[str] = None,
) -> dict:
    """The whole report, keys in the documented order, with its inventory hash filled in."""
    report = {
        "schema": SCHEMA,
        "report_id": str(uuid.uuid4()),
        "collected_at": collected_at or rfc3339(),
        "inventory_hash": "",
        "agent": {"name": AGENT_NAME, "version": __version__, "duration_ms": int(duration_ms)},
        "host": host,
        "hardware": hardware,
        "network": network,
        "software": software,
        "errors": list(errors),
    }
    report["inventory_hash"] = inventory_hash(report)
    return report


def _software_key(item: dict) -> tuple:
    return tuple(
        str(item.get(key) or "") for key in ("source", "name", "version", "arch", "id", "user")
    )


def inventory_hash(report: dict) -> str:
    """SHA-256 of what an admin would query: host (without boot_time), hardware, network, and
    software in a canonical order. Report id, collection time and boot time do not change it."""
    host = {key: value for key, value in report.get("host", {}).items() if key != "boot_time"}
    canonical = {
        "host": host,
        "hardware": report.get("hardware", {}),
        "network": report.get("network", {}),
        "software": sorted(report.get("software", []), key=_software_key),
    }
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

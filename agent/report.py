"""Assembles a `footprint.report/1` report (docs/report-format.md, agent/contract.py)."""

from __future__ import annotations

import uuid
from typing import Iterable, List, Optional

from agent import __version__
from agent.contract import REPORT, SCHEMA, fit, inventory_hash
from agent.sources.base import rfc3339

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
    """The whole report, fitted to the contract (what it cannot carry becomes an `errors` entry),
    with its inventory hash filled in and keys in the documented order."""
    report = {
        "schema": SCHEMA,
        "report_id": str(uuid.uuid4()),
        "collected_at": collected_at or rfc3339(),
        "agent": {"name": AGENT_NAME, "version": __version__, "duration_ms": int(duration_ms)},
        "host": host,
        "hardware": hardware,
        "network": network,
        "software": software,
        "errors": list(errors),
    }
    fitted = fit(report)
    fitted["inventory_hash"] = inventory_hash(fitted)
    return {key: fitted[key] for key in REPORT.fields if key in fitted}

"""Footprint's own reports (`footprint-agent collect --output FILE` on an air-gapped machine): already in
footprint.report/1, so they pass through; the collector validates them like any report it receives."""

from __future__ import annotations

from typing import Any, Dict, List

from server.importers.common import SCHEMA
from server.importers.limits import InventoryFileError


def reports(data: bytes, document: Any) -> List[Dict[str, Any]]:
    """The report(s) in a file: one report object, or a JSON array of them."""
    found = document if isinstance(document, list) else [document]
    for position, report in enumerate(found):
        if not isinstance(report, dict) or report.get("schema") != SCHEMA:
            raise InventoryFileError(f"item {position} of the array is not a {SCHEMA} report")
    return found

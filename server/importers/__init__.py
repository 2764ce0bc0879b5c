"""Importers: inventories made by other agents (GLPI, FusionInventory, OCS) or an offline Footprint agent,
turned into footprint.report/1 dicts that the collector ingests like any report it receives."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from server.importers import detect, footprint_json, fusion_xml, glpi_json, ocs_xml
from server.importers.common import InventoryFileError

_IMPORTERS = {
    detect.GLPI_JSON: glpi_json.reports,
    detect.FUSION_XML: fusion_xml.reports,
    detect.OCS_XML: ocs_xml.reports,
    detect.FOOTPRINT_JSON: footprint_json.reports,
}

__all__ = ["InventoryFileError", "read_inventory"]


def read_inventory(raw: bytes) -> Tuple[str, List[Dict[str, Any]]]:
    """The format of a file's content and the reports it holds; InventoryFileError when it cannot be read."""
    found = detect.detect(raw)
    return found.format, _IMPORTERS[found.format](found.data, found.document)

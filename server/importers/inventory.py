"""One file's content to its format and footprint.report/1 dicts, through the importer of that format."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from server.importers import detect, footprint_json, fusion_xml, glpi_json, ocs_xml
from server.importers.limits import DEFAULT_MAX_BYTES

_IMPORTERS = {
    detect.GLPI_JSON: glpi_json.reports,
    detect.FUSION_XML: fusion_xml.reports,
    detect.OCS_XML: ocs_xml.reports,
    detect.FOOTPRINT_JSON: footprint_json.reports,
}


def read_inventory(raw: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> Tuple[str, List[Dict[str, Any]]]:
    """The format of a file's content and the reports it holds; InventoryFileError when it cannot be read."""
    found = detect.detect(raw, max_bytes)
    return found.format, _IMPORTERS[found.format](found.data, found.document)

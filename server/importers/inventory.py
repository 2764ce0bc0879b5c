"""One file's content to its format and footprint.report/1 dicts, through the importer of that format; files that
only make reports together (an Intune device list and its discovered-apps exports) are read as one bundle."""

from __future__ import annotations

from typing import Any, Dict, List, Sequence, Tuple, Union

from server.importers import detect, footprint_json, fusion_xml, glpi_json, intune_csv, jamf_xml, ocs_xml
from server.importers.files import Bundle, Candidate, read_file, read_head
from server.importers.limits import DEFAULT_MAX_BYTES, InventoryFileError

_IMPORTERS = {
    detect.GLPI_JSON: glpi_json.reports,
    detect.FUSION_XML: fusion_xml.reports,
    detect.OCS_XML: ocs_xml.reports,
    detect.FOOTPRINT_JSON: footprint_json.reports,
    detect.JAMF_XML: jamf_xml.reports,
}


def read_inventory(raw: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> Tuple[str, List[Dict[str, Any]]]:
    """The format of a file's content and the reports it holds; InventoryFileError when it cannot be read."""
    found = detect.detect(raw, max_bytes)
    if found.format == detect.INTUNE_CSV:  # one export alone: the importer says which other one it needs
        return found.format, intune_csv.reports([("the file", found.data)])[0]
    return found.format, _IMPORTERS[found.format](found.data, found.document)


def units(candidates: Sequence[Candidate]) -> List[Union[Candidate, Bundle]]:
    """The import's units in order: every Intune export (told by its header line) joins one bundle, placed where
    the first of them was; every other file stays a unit of its own."""
    found: List[Union[Candidate, Bundle]] = []
    intune: List[Candidate] = []
    for candidate in candidates:
        if intune_csv.kind_of(read_head(candidate)):
            if not intune:
                found.append(candidate)  # a placeholder, replaced by the bundle below
            intune.append(candidate)
        else:
            found.append(candidate)
    if intune:
        found[found.index(intune[0])] = Bundle(tuple(intune))
    return found


def read_bundle(bundle: Bundle, max_bytes: int = DEFAULT_MAX_BYTES) -> Tuple[str, List[Dict[str, Any]], List[str]]:
    """The reports of an Intune bundle and what it left out; InventoryFileError names the member at fault."""
    files = []
    for member in bundle.members:
        try:
            files.append((str(member.path), read_file(member, max_bytes)))
        except InventoryFileError as exc:
            raise InventoryFileError(f"{member.path}: {exc}") from None
    found, notes = intune_csv.reports(files)
    return detect.INTUNE_CSV, found, notes

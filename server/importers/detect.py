"""Which inventory format a file holds, decided from its content (never its name): zlib/gzip magic,
then JSON keys, the XML root (REQUEST and its QUERY, or Jamf Pro's mobile_device) or an Intune export's CSV header."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from typing import Any

from server.importers.common import SCHEMA, parse_xml, text_of
from server.importers.intune_csv import kind_of
from server.importers.limits import DEFAULT_MAX_BYTES, MAX_DEPTH, MAX_NODES, InventoryFileError, too_large

GLPI_JSON = "glpi-json"
FUSION_XML = "fusion-xml"
OCS_XML = "ocs-xml"
FOOTPRINT_JSON = "footprint-json"
JAMF_XML = "jamf-xml"
INTUNE_CSV = "intune-csv"


@dataclass
class Detected:
    """A file's format, its (inflated) bytes and the parsed document the format's importer maps."""

    format: str
    data: bytes
    document: Any


def _is_zlib(data: bytes) -> bool:
    return len(data) > 2 and data[0] == 0x78 and int.from_bytes(data[:2], "big") % 31 == 0


def inflate(data: bytes, max_bytes: int) -> bytes:
    """The content of a zlib (OCS `.ocs`) or gzip file, refusing truncated streams, trailing data and
    bombs: output stops at `max_bytes`, so a bomb is refused without ever being inflated past it."""
    if _is_zlib(data):
        inflater, kind = zlib.decompressobj(), "zlib"
    elif data[:2] == b"\x1f\x8b":
        inflater, kind = zlib.decompressobj(16 + zlib.MAX_WBITS), "gzip"
    else:
        return data
    try:
        inflated = inflater.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise InventoryFileError(f"corrupt {kind} data ({exc})") from None
    if len(inflated) > max_bytes or inflater.unconsumed_tail:
        raise too_large(f"the {kind} content inflates past", max_bytes)
    if not inflater.eof:
        raise InventoryFileError(f"truncated {kind} stream")
    if inflater.unused_data:
        raise InventoryFileError(f"data after the end of the {kind} stream")
    return inflated


def _nesting(document: Any) -> int:
    """How deep containers nest, level by level (no recursion)."""
    level, depth = ([document] if isinstance(document, (dict, list)) else []), 0
    while level and depth <= MAX_DEPTH:
        depth += 1
        level = [
            value
            for container in level
            for value in (container.values() if isinstance(container, dict) else container)
            if isinstance(value, (dict, list))
        ]
    return depth


def _json(data: bytes) -> Any:
    # Every value but the first of a container follows a comma: an upper bound on the values, counted in C.
    if data.count(b",") + data.count(b"{") + data.count(b"[") > MAX_NODES:
        raise InventoryFileError(f"JSON with more than {MAX_NODES:,} values")
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InventoryFileError(f"JSON that is not UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise InventoryFileError(
            f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg} "
            "(truncated or corrupt file?)"
        ) from None
    except RecursionError:  # the C parser stops at the interpreter's recursion limit
        raise InventoryFileError(f"JSON nested deeper than {MAX_DEPTH} levels") from None
    if _nesting(document) > MAX_DEPTH:
        raise InventoryFileError(f"JSON nested deeper than {MAX_DEPTH} levels")
    return document


def _xml_format(root) -> str:
    if root.tag in ("mobile_device", "mobile_devices"):  # Jamf Pro Classic API /JSSResource/mobiledevices
        return JAMF_XML
    if root.tag != "REQUEST":
        raise InventoryFileError(f"XML whose root is <{root.tag}>, not an inventory <REQUEST>")
    query = (text_of(root.findtext("QUERY")) or "").upper()
    if query != "INVENTORY":
        raise InventoryFileError(f"XML request of kind {query or 'none'!r}, not an INVENTORY")
    client = (text_of(root.findtext("CONTENT/VERSIONCLIENT")) or "").lower()
    if client.startswith("ocs"):
        return OCS_XML
    if client.startswith(("fusioninventory", "glpi")):
        return FUSION_XML
    # No client string (OCS's local mode writes none): only FusionInventory/GLPI write OPERATINGSYSTEM.
    return FUSION_XML if root.find("CONTENT/OPERATINGSYSTEM") is not None else OCS_XML


def detect(raw: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> Detected:
    """Detect and parse one file's content; InventoryFileError says why it is not an inventory."""
    data = inflate(raw, max_bytes)
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"<":
        root = parse_xml(data)
        return Detected(_xml_format(root), data, root)
    if head in (b"{", b"["):
        document = _json(data)
        first = document[0] if isinstance(document, list) and document else document
        if isinstance(first, dict) and first.get("schema") == SCHEMA:
            return Detected(FOOTPRINT_JSON, data, document)
        if isinstance(document, dict) and "content" in document and "deviceid" in document:
            return Detected(GLPI_JSON, data, document)
        raise InventoryFileError(
            f"JSON that is neither a {SCHEMA} report nor a GLPI inventory (no 'content'/'deviceid')"
        )
    if not data.strip():
        raise InventoryFileError("empty file")
    if kind_of(data[:65536]):
        return Detected(INTUNE_CSV, data, None)
    # Never quote the content: the file may be one its reader must not see (a link to /etc/shadow).
    raise InventoryFileError("not an inventory: neither JSON nor XML, nor zlib or gzip, nor an Intune CSV export")

"""Which inventory format a file holds, decided from its content (never its name): zlib/gzip magic,
then JSON keys or the XML root and QUERY."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from typing import Any

from server.importers.common import SCHEMA, InventoryFileError, parse_xml, text_of

GLPI_JSON = "glpi-json"
FUSION_XML = "fusion-xml"
OCS_XML = "ocs-xml"
FOOTPRINT_JSON = "footprint-json"

# A compressed inventory may not inflate past this: real ones are a few MB, a bomb is refused early.
MAX_INFLATED_BYTES = 256 * 1024 * 1024


@dataclass
class Detected:
    """A file's format, its (inflated) bytes and the parsed document the format's importer maps."""

    format: str
    data: bytes
    document: Any


def _is_zlib(data: bytes) -> bool:
    return len(data) > 2 and data[0] == 0x78 and int.from_bytes(data[:2], "big") % 31 == 0


def inflate(data: bytes) -> bytes:
    """The content of a zlib (OCS `.ocs`) or gzip file, refusing truncated streams and bombs."""
    if _is_zlib(data):
        inflater, kind = zlib.decompressobj(), "zlib"
    elif data[:2] == b"\x1f\x8b":
        inflater, kind = zlib.decompressobj(16 + zlib.MAX_WBITS), "gzip"
    else:
        return data
    try:
        inflated = inflater.decompress(data, MAX_INFLATED_BYTES)
    except zlib.error as exc:
        raise InventoryFileError(f"corrupt {kind} data ({exc})") from None
    if inflater.unconsumed_tail:
        raise InventoryFileError(f"{kind} content inflates past {MAX_INFLATED_BYTES >> 20} MiB")
    if not inflater.eof:
        raise InventoryFileError(f"truncated {kind} stream")
    return inflated


def _json(data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InventoryFileError(f"JSON that is not UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise InventoryFileError(
            f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg} "
            "(truncated or corrupt file?)"
        ) from None


def _xml_format(root) -> str:
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


def detect(raw: bytes) -> Detected:
    """Detect and parse one file's content; InventoryFileError says why it is not an inventory."""
    data = inflate(raw)
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
    raise InventoryFileError(f"not an inventory: unrecognised content starting {data[:16]!r}")

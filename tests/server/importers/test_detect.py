"""Format detection works from content alone, and every unreadable file gets a reason, not a traceback."""

from __future__ import annotations

import gzip
import zlib

import pytest

from server.importers import detect
from server.importers.common import InventoryFileError
from server.importers.inventory import read_inventory


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("glpi-agent-windows-ru.json", detect.GLPI_JSON),
        ("glpi-agent-astra.json", detect.GLPI_JSON),
        ("fusioninventory-redos.xml", detect.FUSION_XML),
        ("ocs-windows-ru.xml", detect.OCS_XML),
        ("ocs-unix-alt.xml", detect.OCS_XML),
        ("footprint-offline.json", detect.FOOTPRINT_JSON),
        ("glpi-android-huawei.json", detect.GLPI_JSON),
        ("glpi-android-samsung.xml", detect.FUSION_XML),
        ("jamf/mobiledevice-id-84.xml", detect.JAMF_XML),
        ("jamf/mobiledevices-records-16.xml", detect.JAMF_XML),
        ("intune/DevicesWithInventory_8f0c2d1e-4a6b-4c8e-9f1a-3b5d7e9f0a2c.csv", detect.INTUNE_CSV),
        ("intune/AppInvRawData_2d4f6a8c-0e1b-4d3f-8a5c-7e9b1d3f5a7c.csv", detect.INTUNE_CSV),
    ],
)
def test_each_format_is_recognised_from_content(inventory_bytes, name, expected):
    assert detect.detect(inventory_bytes(name)).format == expected


def test_compressed_ocs_and_gzip_files_are_inflated(inventory_bytes):
    xml = inventory_bytes("ocs-windows-ru.xml")
    assert detect.detect(zlib.compress(xml)).format == detect.OCS_XML
    assert detect.detect(gzip.compress(inventory_bytes("glpi-agent-astra.json"))).format == detect.GLPI_JSON


def test_ocs_file_without_client_string_is_told_from_fusion_by_its_sections(inventory_bytes):
    # ocsinventory-agent --local writes no VERSIONCLIENT; FusionInventory always has OPERATINGSYSTEM.
    fusion = inventory_bytes("fusioninventory-redos.xml").replace(
        b"<VERSIONCLIENT>FusionInventory-Agent_v2.6</VERSIONCLIENT>", b""
    )
    assert detect.detect(fusion).format == detect.FUSION_XML
    assert detect.detect(inventory_bytes("ocs-unix-alt.xml")).format == detect.OCS_XML


def _reason(data: bytes, max_bytes: int = 16 << 20) -> str:
    with pytest.raises(InventoryFileError) as caught:
        read_inventory(data, max_bytes)
    return str(caught.value)


def test_truncated_files_are_rejected_with_the_place(inventory_bytes):
    json_text = inventory_bytes("glpi-agent-astra.json")
    assert "malformed JSON at line" in _reason(json_text[: len(json_text) // 2])
    xml = inventory_bytes("fusioninventory-redos.xml")
    assert "malformed XML at line" in _reason(xml[: len(xml) // 2])
    compressed = zlib.compress(inventory_bytes("ocs-windows-ru.xml"))
    assert "truncated zlib stream" in _reason(compressed[: len(compressed) // 2])


def test_unrecognised_content_is_named():
    assert _reason(b"") == "empty file"
    assert _reason(b"\x89PNG\r\n\x1a\n\x00\x00") == (
        "not an inventory: neither JSON nor XML, nor zlib or gzip, nor an Intune CSV export")
    assert "neither a footprint.report/1 report nor a GLPI inventory" in _reason(b'{"hosts": []}')
    assert "not an inventory <REQUEST>" in _reason(b"<html><body/></html>")
    prolog = b"<REQUEST><DEVICEID>x</DEVICEID><QUERY>PROLOG</QUERY></REQUEST>"
    assert "not an INVENTORY" in _reason(prolog)
    assert "not UTF-8" in _reason('{"deviceid": "ПК"}'.encode("cp1251"))


def test_entity_expansion_and_external_entities_are_refused():
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b"<REQUEST><QUERY>&lol2;</QUERY></REQUEST>"
    )
    assert "DTD or entity declaration is refused" in _reason(laughs)
    external = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<REQUEST><QUERY>&x;</QUERY></REQUEST>"
    )
    assert "DTD or entity declaration is refused" in _reason(external)


def test_decompression_bomb_is_refused_before_inflating_it_all():
    bomb = zlib.compress(b"<" + b" " * (8 << 20))
    assert _reason(bomb, 1 << 20) == "the zlib content inflates past the import limit of 1.0 MiB (--max-size)"
    gzipped = gzip.compress(b"{" + b" " * (8 << 20))
    assert "gzip content inflates past the import limit of 1.0 MiB" in _reason(gzipped, 1 << 20)


def test_partial_glpi_inventory_is_rejected(inventory_bytes):
    # A partial inventory carries only the sections that changed; stored as a full one it would erase the rest.
    partial = inventory_bytes("glpi-agent-astra.json").replace(b'"action": "inventory",', b'"partial": true,')
    assert "partial GLPI inventory" in _reason(partial)


def test_non_computer_glpi_inventory_is_rejected(inventory_bytes):
    printer = inventory_bytes("glpi-agent-astra.json").replace(
        b'"itemtype": "Computer"', b'"itemtype": "Printer"'
    )
    assert "of a Printer, not a computer or phone" in _reason(printer)

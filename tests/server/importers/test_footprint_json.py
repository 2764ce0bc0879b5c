"""Offline Footprint reports pass through unchanged; arrays of them are accepted."""

from __future__ import annotations

import json

import pytest

from server.importers.common import InventoryFileError
from server.importers.inventory import read_inventory


def test_report_passes_through(inventory_bytes):
    data = inventory_bytes("footprint-offline.json")
    fmt, [report] = read_inventory(data)
    assert fmt == "footprint-json"
    assert report == json.loads(data)


def test_array_of_reports_and_a_stray_item(inventory_bytes):
    report = json.loads(inventory_bytes("footprint-offline.json"))
    second = dict(report, report_id="5a0c0a3e-9d7e-4d4c-8a43-5f0b8c1d2e3f")
    _, found = read_inventory(json.dumps([report, second]).encode())
    assert [r["report_id"] for r in found] == [report["report_id"], second["report_id"]]
    with pytest.raises(InventoryFileError, match="item 1 of the array"):
        read_inventory(json.dumps([report, {"schema": "other"}]).encode())

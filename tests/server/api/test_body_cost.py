"""A report body costs memory by what the contract allows, not by how many `{}` it packs; the audit copy keeps
only the contract's fields."""

from __future__ import annotations

import gzip
import json
import zlib

from sqlalchemy import func, select

from agent import contract as c
from server.store.ingest import json_values
from server.store.tables import raw_reports, reports_seen


def _gzip_of_empty_objects(inflated: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"{}," * (1 << 18)
    parts = [packer.compress(b'{"software": [')] + [packer.compress(block) for _ in range(inflated // len(block))]
    return b"".join(parts + [packer.compress(b"{}]}"), packer.flush()])


def test_a_small_gzip_of_empty_objects_is_refused_before_parsing(client, engine, enroll):
    host = enroll()
    body = _gzip_of_empty_objects(15 << 20)
    assert len(body) < 20 * 1024  # a few KiB inflating to 15 MiB of `{}`: five million objects
    headers = {**host.headers, "Content-Encoding": "gzip", "Content-Type": "application/json"}
    answer = client.post("/api/v1/reports", content=body, headers=headers)
    assert answer.status_code == 413 and answer.json()["error"] == "too_many_values", answer.text
    assert f"{c.MAX_JSON_VALUES:,}" in answer.json()["detail"]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(reports_seen)).scalar_one() == 0


def test_commas_and_braces_inside_strings_never_count(client, enroll, make_report):
    host = enroll()
    item = make_report(host)["software"][0]
    # 510 structural characters per item, enough items to pass the contract's bound whatever it grows to
    software = [dict(item, name=f"pkg{i}", publisher="{[," * 170) for i in range(c.MAX_JSON_VALUES // 500)]
    report = make_report(host, software=software)
    body = json.dumps(report).encode()
    assert body.count(b",") + body.count(b"{") + body.count(b"[") > c.MAX_JSON_VALUES  # the rough count is over
    assert json_values(body) < 100_000
    answer = client.post("/api/v1/reports", content=gzip.compress(body), headers={
        **host.headers, "Content-Encoding": "gzip", "Content-Type": "application/json"})
    assert answer.status_code == 200, answer.text


def test_json_values_counts_what_a_parser_builds():
    for text in (b"{}", b"[1, 2, 3]", b'{"a": {"b": [true, null, "x,y"]}, "c": "{"}', b'["a\\"b,", 1]'):
        parsed = json.loads(text)
        built = 0
        stack = [parsed]
        while stack:
            value = stack.pop()
            built += 1
            stack.extend(value.values() if isinstance(value, dict) else value if isinstance(value, list) else ())
        assert json_values(text) >= built, text
    # an upper bound: every comma and container, so each empty container counts twice
    assert json_values(b"[" + b"{}," * c.MAX_JSON_VALUES + b"{}]") == 2 * c.MAX_JSON_VALUES + 3


def test_the_audit_copy_keeps_only_the_contracts_fields(client, engine, enroll, make_report):
    host = enroll()
    report = make_report(host)
    report["future_field"] = {"blob": "x" * 1000}
    report["host"]["os"]["unheard_of"] = "y"
    report["software"][0]["sideloaded"] = ["z"] * 50
    answer = client.post("/api/v1/reports", json=report, headers=host.headers)
    assert answer.status_code == 200, answer.text
    with engine.connect() as conn:
        stored = json.loads(conn.execute(select(raw_reports.c.body)).scalar_one())
    assert "future_field" not in stored and "unheard_of" not in stored["host"]["os"]
    assert "sideloaded" not in stored["software"][0]
    del report["future_field"], report["host"]["os"]["unheard_of"], report["software"][0]["sideloaded"]
    assert stored == report

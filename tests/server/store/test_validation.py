"""The report body's piecewise validation (server/store/validation.py) accepts and refuses exactly what one
Report.model_validate does, naming the same fields at the same places; the audit copy of a clean report is the
document itself, not a copy."""

from __future__ import annotations

import copy
import json
import uuid

import pytest
from pydantic import ValidationError

from agent import contract as c
from server.schemas import Report
from server.store.ingest import parse_report
from server.store.validation import CHUNK, InvalidReport
from tests.conftest import EnrolledHost


def _big_report(make_report, items: int) -> dict:
    host = EnrolledHost(uuid.uuid4().hex, "ws-big", "")
    base = make_report(host, os="windows")
    program = base["software"][0]
    base["software"] = [dict(program, name=f"{program['name']} {i}", id=f"{{{i:08d}}}",
                             provenance={"vendor": "Igor Pavlov", "signing_key": "0123456789abcdef"})
                        for i in range(items)]
    return base


def _places(errors) -> list:
    return sorted((tuple(e["loc"]), e["msg"]) for e in errors)


def _refusal(raw: dict):
    with pytest.raises((ValidationError, InvalidReport)) as caught:
        parse_report(bytearray(json.dumps(raw).encode()))
    return caught.value


BROKEN = {
    "an item in the second chunk without a name": lambda r: r["software"][CHUNK + 7].pop("name"),
    "items in two chunks with versions too long": lambda r: [r["software"][i].update(version="9" * 256)
                                                             for i in (3, CHUNK * 2 + 1)],
    "a top-level field and an item": lambda r: (r.update(collected_at="yesterday"),
                                               r["software"][5].update(scope="everyone")),
    "an item that is not an object": lambda r: r["software"].__setitem__(42, "7-Zip"),
    "more items than the contract": lambda r: r["software"].extend([r["software"][0]] * c.MAX_SOFTWARE_ITEMS),
    "a host that is not an object": lambda r: r.update(host="pc-1"),
    "a source name too long in the errors list": lambda r: r.update(errors=[{"source": "x" * 200, "message": "m"}]),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_report_is_refused_naming_what_one_validation_names(make_report, case):
    raw = _big_report(make_report, CHUNK * 3 - 10)
    BROKEN[case](raw)
    with pytest.raises(ValidationError) as whole:
        Report.model_validate(copy.deepcopy(raw))
    refused = _refusal(raw)
    assert _places(refused.errors()) == _places(whole.value.errors())
    assert refused.error_count() == whole.value.error_count()


def test_a_valid_report_gives_the_models_one_validation_gives(make_report):
    raw = _big_report(make_report, CHUNK * 2 + 3)
    parsed = parse_report(bytearray(json.dumps(raw).encode()))
    assert parsed.report == Report.model_validate(copy.deepcopy(raw))
    assert parsed.inventory_hash == c.inventory_hash(raw)
    assert json.loads(parsed.body) == raw
    items = parsed.report.software
    assert items[0].model_fields_set == items[-1].model_fields_set and "provenance" in items[0].model_fields_set
    assert items[0].model_fields_set is items[-1].model_fields_set  # one shared fields-set, not one per item


def test_the_audit_copy_of_a_clean_report_is_the_document_itself(make_report):
    raw = _big_report(make_report, 3)
    assert c.known_fields(raw) is raw
    raw["software"][1]["sideloaded"] = True
    kept = c.known_fields(raw)
    assert kept is not raw and kept["software"][0] is raw["software"][0]  # only the changed path is copied
    assert "sideloaded" not in kept["software"][1] and kept["software"][1]["name"] == raw["software"][1]["name"]
    assert raw["software"][1]["sideloaded"] is True  # the document itself is left as it was

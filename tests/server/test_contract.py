"""The collector holds to agent/contract.py: its models, its columns and docs/report-format.md."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import String, func, select

from agent import contract as c
from server.schemas import Report
from server.store import migrate
from server.store.migrate import upgrade
from server.store.tables import hosts, software_titles

DOC = Path(__file__).resolve().parents[2] / "docs" / "report-format.md"


def _from_contract(spec: Any) -> Any:
    """The contract as plain, comparable data."""
    if isinstance(spec, c.Record):
        return {"object": {name: (_from_contract(field), name in spec.required)
                           for name, field in spec.fields.items()}}
    if isinstance(spec, c.Items):
        return {"list": _from_contract(spec.of), "max_items": spec.max_items}
    if isinstance(spec, c.Mapping):
        return {"map": (_from_contract(spec.key), _from_contract(spec.value)),
                "max_items": spec.max_items}
    if isinstance(spec, c.Text):
        if spec.choices:
            return {"choices": sorted(spec.choices)}
        return {"text": (spec.min_length, spec.max_length, spec.pattern)}
    if isinstance(spec, c.Integer):
        return {"integer": (spec.ge, spec.le)}
    assert isinstance(spec, c.Time)
    return {"time": True}


def _from_pydantic(node: Dict[str, Any], defs: Dict[str, Any]) -> Any:
    """The same shape, read from the pydantic models' JSON schema."""
    if "$ref" in node:
        return _from_pydantic(defs[node["$ref"].rsplit("/", 1)[1]], defs)
    if "anyOf" in node:  # Optional[X]: X or null
        (inner,) = [option for option in node["anyOf"] if option.get("type") != "null"]
        return _from_pydantic(inner, defs)
    if "const" in node or "enum" in node:
        return {"choices": sorted(node.get("enum") or [node["const"]])}
    kind = node.get("type")
    if kind == "object" and "properties" in node:
        required = set(node.get("required", []))
        return {"object": {name: (_from_pydantic(field, defs), name in required)
                           for name, field in node["properties"].items()}}
    if kind == "object":
        key = {"type": "string", **node.get("propertyNames", {})}
        return {"map": (_from_pydantic(key, defs), _from_pydantic(node["additionalProperties"], defs)),
                "max_items": node.get("maxProperties")}
    if kind == "array":
        return {"list": _from_pydantic(node["items"], defs), "max_items": node.get("maxItems")}
    if kind == "integer":
        return {"integer": (node.get("minimum"), node.get("maximum"))}
    if node.get("format") == "date-time":
        return {"time": True}
    assert kind == "string", node
    return {"text": (node.get("minLength", 0), node.get("maxLength"), node.get("pattern"))}


def _differences(contract: Any, model: Any, path: str = "report") -> list:
    if "object" in contract and "object" in model:
        found = []
        for name in sorted(set(contract["object"]) | set(model["object"])):
            if name not in model["object"]:
                found.append(f"{path}.{name}: in the contract, not in the collector's model")
            elif name not in contract["object"]:
                found.append(f"{path}.{name}: in the collector's model, not in the contract")
            else:
                (spec, required), (field, model_required) = contract["object"][name], model["object"][name]
                if required != model_required:
                    found.append(f"{path}.{name}: required {required} in the contract, {model_required} in the model")
                found += _differences(spec, field, f"{path}.{name}")
        return found
    if "list" in contract and "list" in model:
        found = [] if contract["max_items"] == model["max_items"] else [
            f"{path}: at most {contract['max_items']} in the contract, {model['max_items']} in the model"]
        return found + _differences(contract["list"], model["list"], f"{path}[]")
    if "map" in contract and "map" in model:
        found = [] if contract["max_items"] == model["max_items"] else [f"{path}: key count differs"]
        return (found + _differences(contract["map"][0], model["map"][0], f"{path} key")
                + _differences(contract["map"][1], model["map"][1], f"{path} value"))
    return [] if contract == model else [f"{path}: {contract} in the contract, {model} in the model"]


def test_the_collectors_report_model_is_the_contract():
    schema = Report.model_json_schema(by_alias=True)
    model = _from_pydantic(schema, schema["$defs"])
    assert _differences(_from_contract(c.REPORT), model) == []


def test_the_drift_check_sees_a_changed_limit(monkeypatch):
    """The comparison above can fail: a contract limit changed under the model is reported."""
    monkeypatch.setattr(c.SOFTWARE_ITEM.fields["version"], "max_length", 300)
    schema = Report.model_json_schema(by_alias=True)
    differences = _differences(_from_contract(c.REPORT), _from_pydantic(schema, schema["$defs"]))
    assert differences == [
        "report.software[].version: {'text': (0, 300, None)} in the contract, "
        "{'text': (0, 255, None)} in the model"
    ]


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59-14:00", "1969-12-31T10:00:00Z", "3000-01-01T00:00:00Z"])
def test_times_outside_the_contracts_years_are_refused_by_both(when, make_report):
    report = make_report(SimpleNamespace(host_id="ws-0001", hostname="ws-0001"))
    report["collected_at"] = when
    assert c.problems(report) == [f"collected_at: not between the years {c.MIN_YEAR} and {c.MAX_YEAR}"]
    with pytest.raises(ValueError, match="collected_at"):
        Report.model_validate(report)


def test_a_report_without_version_publisher_or_hostname_is_accepted(client, enroll, engine, make_report):
    """What real agents send: programs without DisplayVersion or Publisher, an export without ComputerName.
    The host keeps the name it enrolled with; the titles are stored with an empty version."""
    host = enroll(hostname="xp-buh-07")
    report = make_report(host, software=[{"name": "CCleaner (remove only)", "source": "windows"},
                                         {"name": "WinRAR archiver", "source": "windows", "publisher": "win.rar"}])
    del report["host"]["hostname"]
    report["inventory_hash"] = c.inventory_hash(report)
    answer = client.post("/api/v1/reports", json=report, headers=host.headers)
    assert answer.status_code == 200, answer.text
    with engine.connect() as conn:
        assert conn.execute(select(hosts.c.hostname).where(hosts.c.id == host.host_id)).scalar() == "xp-buh-07"
        titles = conn.execute(select(software_titles.c.name, software_titles.c.version, software_titles.c.publisher)
                              .where(software_titles.c.source == "windows")).all()
    assert sorted(titles) == [("CCleaner (remove only)", "", None), ("WinRAR archiver", "", "win.rar")]


def test_an_imported_report_without_hostname_is_listed_under_its_id(engine, tmp_path, make_report):
    from server.importers.batch import import_files

    report = make_report(SimpleNamespace(host_id="2b1cc7d4-d837-5cdb-8e9d-8718ccb144aa", hostname="-"))
    del report["host"]["hostname"]
    path = tmp_path / "xp.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    summary = import_files(engine, [path])
    assert (summary.rejected, summary.added) == ([], [report["host"]["id"]])
    with engine.connect() as conn:
        assert conn.execute(select(hosts.c.hostname)).scalar() == report["host"]["id"]


# --- the columns hold everything the contract allows ---------------------------------------------------------

def _longest_text(spec: c.Text, fill: str = "ж") -> str:
    """The longest value a text field allows (a pattern field gets a long value that matches it)."""
    if spec.choices:
        return max(spec.choices, key=len)
    patterned = {c.HOST_ID_PATTERN: "h", c.REPORT_ID_PATTERN: "R", c.SHA256_PATTERN: "a",
                 c.SOURCE_PATTERN: "s", c.SIGNING_KEY_PATTERN: "f"}
    if spec.pattern:
        return patterned[spec.pattern] * spec.max_length
    return fill * spec.max_length


def _largest(spec: Any) -> Any:
    """A value at every bound of the contract at once: longest strings, largest numbers, latest time."""
    if isinstance(spec, c.Record):
        return {name: _largest(field) for name, field in spec.fields.items()}
    if isinstance(spec, c.Items):
        return [_largest(spec.of) for _ in range(min(spec.max_items, 3))]
    if isinstance(spec, c.Mapping):
        keys = ["upgrade_code", "team_id", "packager", "maintainer"] + [f"k{n}" for n in range(spec.max_items - 4)]
        return {key: _longest_text(spec.value) for key in keys}
    if isinstance(spec, c.Text):
        return _longest_text(spec)
    if isinstance(spec, c.Integer):
        return spec.le
    return f"{c.MAX_YEAR - 1}-12-31T23:59:59-14:00"


def test_a_report_at_every_limit_of_the_contract_is_stored(client, enroll, engine):
    """Every string at its longest (Cyrillic, so bytes are twice the characters), every number at its
    largest: what the contract allows, both databases store (PostgreSQL answered 500 to a long
    build+ubr, id_like, team_id, upgrade_code or packager before)."""
    report = _largest(c.REPORT)
    report["host"]["os"]["id_like"] = [f"{n:02d}" + "ж" * (c.SHORT - 2) for n in range(c.MAX_ID_LIKE)]
    report["software"] = [{**item, "name": f"{n}{item['name'][1:]}"} for n, item in enumerate(report["software"])]
    report["inventory_hash"] = c.inventory_hash(report)
    assert c.problems(report) == []
    host = enroll(host_id=report["host"]["id"])
    answer = client.post("/api/v1/reports", json=report, headers=host.headers)
    assert answer.status_code == 200, answer.text
    os_ = report["host"]["os"]
    with engine.connect() as conn:
        row = conn.execute(select(hosts).where(hosts.c.id == host.host_id)).one()
        titles = conn.execute(select(software_titles).where(software_titles.c.source != "os")).all()
    assert (row.hostname, row.memory_bytes) == (report["host"]["hostname"], c.MAX_INT)
    assert row.os_build == f"{os_['build']}.{c.MAX_DWORD}"
    assert row.os_id_like == " ".join(os_["id_like"])
    assert len(titles) == len(report["software"])
    extra = report["software"][0]["extra"]
    assert {(t.team_id, t.upgrade_code, t.packager) for t in titles} == {
        (extra["team_id"], extra["upgrade_code"], extra["packager"])}


def _column_needs(spec_path: str) -> int:
    return len(_longest_text(_spec_at(spec_path)))


def _spec_at(path: str) -> Any:
    spec: Any = c.REPORT
    for part in path.split("."):
        spec = spec.of if isinstance(spec, c.Items) else spec
        spec = spec.value if isinstance(spec, c.Mapping) else spec.fields[part]
    return spec.of if isinstance(spec, c.Items) else spec


# Every stored column fed from a report string, with the longest text the contract lets into it.
_OS = "host.os"
COLUMNS = {
    hosts.c.id: c.REPORT.fields["host"].fields["id"].max_length,
    hosts.c.hostname: _column_needs("host.hostname"),
    hosts.c.fqdn: _column_needs("host.fqdn"),
    hosts.c.id_source: _column_needs("host.id_source"),
    hosts.c.os_name: _column_needs(f"{_OS}.name"),
    hosts.c.os_version: _column_needs(f"{_OS}.version"),
    hosts.c.os_distro_id: _column_needs(f"{_OS}.distro_id"),
    hosts.c.os_id_like: c.MAX_ID_LIKE * (c.SHORT + 1) - 1,  # joined by spaces
    hosts.c.os_codename: _column_needs(f"{_OS}.codename"),
    hosts.c.os_kernel: _column_needs(f"{_OS}.kernel"),
    hosts.c.os_arch: _column_needs(f"{_OS}.arch"),
    hosts.c.os_build: _column_needs(f"{_OS}.build") + 1 + len(str(c.MAX_DWORD)),  # "build.ubr"
    hosts.c.os_product_name: _column_needs(f"{_OS}.product_name"),
    hosts.c.os_display_version: _column_needs(f"{_OS}.display_version"),
    hosts.c.cpu_model: _column_needs("hardware.cpu_model"),
    hosts.c.hw_vendor: _column_needs("hardware.vendor"),
    hosts.c.hw_model: _column_needs("hardware.model"),
    hosts.c.hw_serial: _column_needs("hardware.serial"),
    hosts.c.agent_version: _column_needs("agent.version"),
    software_titles.c.name: max(_column_needs("software.name"), _column_needs(f"{_OS}.product_name")),
    software_titles.c.version: max(_column_needs("software.version"), _column_needs(f"{_OS}.version")),
    software_titles.c.source: _column_needs("software.source"),
    software_titles.c.publisher: _column_needs("software.publisher"),
    software_titles.c.arch: _column_needs("software.arch"),
    software_titles.c.package_id: max(_column_needs("software.id"), _column_needs(f"{_OS}.distro_id")),
    software_titles.c.upgrade_code: _column_needs("software.extra.upgrade_code"),
    software_titles.c.team_id: _column_needs("software.extra.team_id"),
    software_titles.c.packager: _column_needs("software.extra.packager"),
    software_titles.c.os_id: _column_needs(f"{_OS}.distro_id"),
}


@pytest.mark.parametrize("column", list(COLUMNS), ids=lambda col: f"{col.table.name}.{col.name}")
def test_each_column_holds_the_longest_value_the_contract_allows(column):
    assert isinstance(column.type, String)
    assert column.type.length is None or column.type.length >= COLUMNS[column]


def test_widening_the_columns_keeps_every_row_on_sqlite(tmp_path, make_report):
    """SQLite copies a table to change a column: with foreign keys on, dropping the old `hosts` would
    cascade-delete every host's software. The migration runs with them off and checks them after."""
    from server.store.db import make_engine
    from server.store.tables import host_software, software_titles

    script = ScriptDirectory.from_config(migrate._config())
    widening = next(r for r in script.walk_revisions() if "contract_columns" in r.path)
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, widening.down_revision)
    report = make_report(SimpleNamespace(host_id="ws-0001", hostname="ws-0001"))
    packages = [item["name"] for item in report["software"]]
    with engine.begin() as conn:  # rows as that revision holds them (today's ingest writes today's schema)
        conn.execute(hosts.insert().values(id="ws-0001", hostname="old", first_seen=func.now(), last_seen=func.now()))
        for n, name in enumerate(packages):
            title = conn.execute(software_titles.insert().values(
                title_key=f"{n:064d}", name=name, version="1.0", source="deb", first_seen=func.now()
            ).returning(software_titles.c.id)).scalar_one()
            conn.execute(host_software.insert().inline().values(host_id="ws-0001", title_id=title, username=""))
    with engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(host_software)).scalar()
    assert before == len(packages) > 0
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(host_software)).scalar() == before
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


# --- docs/report-format.md lists every field with its limit -------------------------------------------------

def _rows(spec: Any, prefix: str) -> Dict[str, tuple]:
    rows: Dict[str, tuple] = {}
    for name, field in spec.fields.items():
        path = f"{prefix}{name}"
        inner = field.of if isinstance(field, c.Items) else field
        rows[path] = ("yes" if name in spec.required else "no", _limit(field))
        if isinstance(inner, c.Record):
            rows.update(_rows(inner, f"{path}{'[]' if isinstance(field, c.Items) else ''}."))
    return rows


def _limit(spec: Any) -> str:
    if isinstance(spec, c.Record):
        return "object"
    if isinstance(spec, c.Items):
        each = "" if isinstance(spec.of, c.Record) else f", each {_limit(spec.of)}"
        return f"≤ {spec.max_items} items{each}"
    if isinstance(spec, c.Mapping):
        return f"≤ {spec.max_items} keys of ≤ {spec.key.max_length}, values ≤ {spec.value.max_length}"
    if isinstance(spec, c.Text):
        if spec.choices:
            return " \\| ".join(spec.choices)
        if spec.pattern:
            return f"`{spec.pattern}`"
        return f"{spec.min_length} … {spec.max_length}" if spec.min_length else f"≤ {spec.max_length}"
    if isinstance(spec, c.Integer):
        return f"0 … {spec.le}"
    if isinstance(spec, c.Time):
        return f"RFC 3339, years {c.MIN_YEAR}–{c.MAX_YEAR}"
    return ""


def test_the_format_document_lists_every_field_with_its_limit():
    expected = _rows(c.REPORT, "")
    table = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        row = re.match(r"^\| `([^`]+)` \| (yes|no) \| (.*) \|$", line)
        if row:
            table[row.group(1)] = (row.group(2), row.group(3))
    wanted = "\n".join(f"| `{path}` | {req} | {limit} |" for path, (req, limit) in expected.items())
    assert table == expected, f"docs/report-format.md should list:\n{wanted}"


def test_the_inventory_hash_is_the_sha256_of_one_canonical_json_text(make_report):
    """Hashed piece by piece, the text is still json.dumps of the four parts: stored hashes stay valid."""
    import hashlib

    for os_name in ("linux", "windows"):
        report = make_report(SimpleNamespace(host_id="3d1219c7a0", hostname="ws-042"), os=os_name)
        report["software"][0]["extra"] = {"z": "ю", "a": "\u2028"}
        host = {k: v for k, v in report["host"].items() if k != "boot_time"}
        canonical = {"host": host, "hardware": report["hardware"], "network": report["network"],
                     "software": sorted(report["software"], key=c._software_key)}
        text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert c.inventory_hash(report) == hashlib.sha256(text.encode("utf-8")).hexdigest()

"""`footprint catalog register`: the register's XML export matched to the shipped catalog, recorded and reviewed.

The fixture is shaped like the published export (reestr.digital.gov.ru/reestr/?export=registry): Windows-1251
with Cyrillic as numeric character references, a `genDate` attribute, one `<item>` per entry. Its entry numbers
and dates are made up for the test; the product names and rights holders are the catalog's real ones.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from server.catalog.loader import load_catalog
from server.catalog.register import RegisterFormatError, match_entries, read_export
from server.cli import app

runner = CliRunner()

ITEMS = [
    # number, name, owner, short owner, inclusion date, excluded, exclusion date
    ("99001", "КОМПАС-3D", "Акционерное общество «АСКОН»", "АО «АСКОН»", "18.03.2016", "Нет", ""),
    ("99002", "Программа для ЭВМ «КОМПАС-3D v22»", "Общество с ограниченной ответственностью «Пример»",
     "ООО «Пример»", "01.02.2023", "Нет", ""),
    ("99003", "Kaspersky Industrial Sandbox", "Акционерное общество «Лаборатория Касперского»",
     "АО «Лаборатория Касперского»", "05.06.2024", "Нет", ""),
    ("99004", "nanoCAD", "Акционерное общество «Нанософт разработка»", "АО «Нанософт разработка»", "10.10.2016",
     "Да", "20.12.2024"),
    ("99005", "Прочая программа", "ООО «Никто»", "ООО «Никто»", "01.01.2020", "Нет", ""),
]


def _entity(text: str) -> str:
    """Cyrillic as numeric references, as the export writes it."""
    return "".join(c if ord(c) < 128 else f"&#{ord(c)};" for c in text)


def write_export(path: Path, items=ITEMS) -> Path:
    body = "".join(
        f"<item><registrationNumber>{n}</registrationNumber><name>{_entity(name)}</name>"
        f"<previousAlternativeName/><owner><name>{_entity(owner)}</name><shortName>{_entity(short)}</shortName>"
        f"</owner><inclusionDate>{inc}</inclusionDate><inclusionNumber>151</inclusionNumber>"
        f"<excluded>{_entity(exc)}</excluded><exclusionDate>{exc_date}</exclusionDate></item>"
        for n, name, owner, short, inc, exc, exc_date in items
    )
    path.write_bytes(f'<?xml version="1.0" encoding="windows-1251"?>\n<registry genDate="2026.09.12 01:37">'
                     f"{body}</registry>".encode("cp1251"))
    return path


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.delenv("FOOTPRINT_CATALOG_DIR", raising=False)
    monkeypatch.setenv("FOOTPRINT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


def test_export_is_read_with_dates_owners_and_exclusions(tmp_path):
    generated, entries = read_export(write_export(tmp_path / "export.xml"))
    assert generated == "2026.09.12 01:37"
    assert [e.number for e in entries] == ["99001", "99002", "99003", "99004", "99005"]
    first = entries[0]
    assert (first.name, first.owner_short, first.included, first.excluded) == ("КОМПАС-3D", "АО «АСКОН»",
                                                                               "2016-03-18", False)
    assert entries[3].excluded and entries[3].excluded_on == "2024-12-20"


def test_entry_needs_both_the_name_and_the_rights_holder(tmp_path):
    _, entries = read_export(write_export(tmp_path / "export.xml"))
    result = match_entries(load_catalog(), entries, "2026.09.12 01:37")
    by_product = {m.product: m for m in result.matches}
    assert by_product["kompas-3d"].entry.number == "99001"
    assert by_product["kompas-3d"].owner_rule.startswith("owner")
    # Same product name, another rights holder: not recorded, kept for review.
    assert [(r["entry"]["number"], r["product"]) for r in result.other_owner] == [("99002", "kompas-3d")]
    # A catalog vendor's entry that names none of its products.
    assert [r["entry"]["number"] for r in result.owner_only] == ["99003"]
    assert by_product["nanocad"].entry.excluded
    assert result.entries == 5


def test_import_records_numbers_that_classify_and_list_show(env):
    export = write_export(env / "export.xml")
    local = env / "local"
    imported = runner.invoke(app, ["catalog", "register", "import", str(export), "--into", str(local),
                                   "-o", "json"])
    assert imported.exit_code == 0, imported.output
    summary = json.loads(imported.stdout)
    assert summary["entries"] == 5 and summary["owner_only"] == 1 and summary["other_owner"] == 1
    assert {m["product"]: m["number"] for m in summary["matches"]}["kompas-3d"] == "99001"
    assert (local / "register.toml").exists()

    classified = runner.invoke(app, ["classify", "--name", "КОМПАС-3D v22", "--publisher", "АСКОН",
                                     "--source", "windows", "--catalog-dir", str(local), "-o", "json"])
    assert classified.exit_code == 0, classified.output
    assert json.loads(classified.stdout)["register"] == "99001"
    # An excluded entry is recorded for review but gives the product no number.
    nanocad = runner.invoke(app, ["classify", "--name", "nanoCAD 24.0", "--source", "windows",
                                  "--catalog-dir", str(local), "-o", "json"])
    assert json.loads(nanocad.stdout)["register"] == ""

    listed = json.loads(runner.invoke(app, ["catalog", "register", "list", "--into", str(local), "-o", "json"]).stdout)
    kompas = next(r for r in listed if r["product"] == "kompas-3d")
    assert (kompas["included"], kompas["owner"]) == ("2016-03-18", "Акционерное общество «АСКОН»")
    assert next(r for r in listed if r["product"] == "nanocad")["excluded"] == "2024-12-20"
    # The shipped entry (SBIS, 332) is listed with its catalog source.
    assert next(r for r in listed if r["product"] == "sbis")["number"] == "332"


def test_unmatched_lists_what_to_review(env):
    local = env / "local"
    runner.invoke(app, ["catalog", "register", "import", str(write_export(env / "export.xml")), "--into", str(local)])
    result = runner.invoke(app, ["catalog", "register", "unmatched", "--into", str(local), "-o", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    kinds = {(r["kind"], r["number"]) for r in rows}
    assert ("entry of a catalog vendor, no product", "99003") in kinds
    assert ("name matched, other rights holder", "99002") in kinds
    unregistered = {r["product"] for r in rows if r["kind"] == "product without entry"}
    assert "kompas-3d" not in unregistered and "sbis" not in unregistered
    assert "kaspersky-endpoint-security" in unregistered


def test_bad_files_are_refused_naming_the_file_and_nothing_is_written(env):
    local = env / "local"
    runner.invoke(app, ["catalog", "register", "import", str(write_export(env / "export.xml")), "--into", str(local)])
    before = (local / "register.toml").read_text(encoding="utf-8")
    not_xml = env / "export.csv"
    not_xml.write_text("Номер;Название\n1;x\n", encoding="utf-8")
    other_xml = env / "other.xml"
    other_xml.write_text("<catalog><book><title>x</title></book></catalog>", encoding="utf-8")
    refusals = ((not_xml, "not readable as XML at line 1"), (other_xml, "no <item> with a <registrationNumber>"),
                (env / "missing.xml", "cannot be read"))
    for path, message in refusals:
        result = runner.invoke(app, ["catalog", "register", "import", str(path), "--into", str(local)])
        assert result.exit_code == 2, result.output
        assert str(path) in result.stderr and message in result.stderr
        assert "Traceback" not in result.output
    assert (local / "register.toml").read_text(encoding="utf-8") == before
    with pytest.raises(RegisterFormatError, match="is not a number"):
        read_export(write_export(env / "bad.xml", [("A-1", "x", "y", "y", "", "Нет", "")]))


def test_without_a_local_directory_import_says_where_to_write(env):
    result = runner.invoke(app, ["catalog", "register", "import", str(write_export(env / "export.xml"))])
    assert result.exit_code == 2
    assert "pass --into DIR or set FOOTPRINT_CATALOG_DIR" in result.stderr


def test_register_table_for_an_unknown_product_is_a_catalog_problem(write_catalog):
    local = write_catalog({"register.toml": """
        [[register]]
        product = "no-such-product"
        number = "1"
        source = "https://reestr.digital.gov.ru/reestr/?export=registry"
    """})
    problems = [(p.entry, p.message) for p in load_catalog([local]).problems]
    assert problems == [("register '1'", "product 'no-such-product' is not a known product")]

"""`footprint report` against a real collector: its figures are `footprint summary`'s for the same filters."""

from __future__ import annotations

import html
import json
import re
import zlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from server.cli import app as cli
from server.importers.batch import import_files

FIXTURES = Path(__file__).parents[1] / "importers" / "fixtures"
runner = CliRunner()


@pytest.fixture
def imported_fleet(engine, tmp_path):
    """Imported machines: finance (Windows with Zoom, Teams, Office; an OCS Windows box) and a RED OS workstation."""
    ocs = tmp_path / "KADRY-PC-02.ocs"
    ocs.write_bytes(zlib.compress((FIXTURES / "ocs-windows-ru.xml").read_bytes()))
    finance = import_files(engine, [FIXTURES / "glpi-agent-windows-ru.json", ocs], {"dept": "finance"})
    it = import_files(engine, [FIXTURES / "fusioninventory-redos.xml", FIXTURES / "glpi-agent-astra.json"],
                      {"dept": "it"})
    assert len(finance.added) == 2 and len(it.added) == 2
    return engine


@pytest.fixture
def api(db_url, imported_fleet, start_collector, admin_token, tmp_path):
    collector = start_collector(db_url)
    return {"FOOTPRINT_SERVER": collector.url, "FOOTPRINT_TOKEN": admin_token,
            "FOOTPRINT_CLIENT_CONFIG": str(tmp_path / "no-config.toml")}


def _summary(env, filters):
    """What `footprint summary -o json` prints for these filters."""
    result = runner.invoke(cli, ["summary", "-o", "json", *filters], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _cards(page: str) -> dict:
    found = re.findall(r'data-figure="([a-z-]+)"><div class="value">([^<]*)</div><div class="label">([^<]*)', page)
    return {name: (html.unescape(value), html.unescape(label)) for name, value, label in found}


@pytest.mark.parametrize("tags", [[], ["dept=finance"]])
def test_report_figures_equal_the_summary(api, tags, tmp_path):
    env = api
    out = tmp_path / "report.html"
    filters = [a for t in tags for a in ("--tag", t)]
    result = runner.invoke(cli, ["report", "--output", str(out), *filters], env=env)
    assert result.exit_code == 0, result.output
    summary = _summary(env, filters)
    cards = _cards(out.read_text(encoding="utf-8"))

    hosts = summary["hosts"]
    assert hosts["reporting"] == (2 if tags else 4)
    assert cards["hosts"] == (f"{hosts['reporting']:,}", f"hosts reporting ({hosts['stale']:,} stale, not counted)")
    assert cards["hosts-with-foreign"] == (
        f"{summary['hosts_with_foreign_share']:.1f}%",
        f"{summary['hosts_with_foreign']:,} hosts run foreign software",
    )
    by_status = {row["status"]: row for row in summary["installs_by_status"]}
    foreign = [by_status[g] for g in ("foreign-proprietary", "foreign-open-source")]
    assert cards["foreign-installs"] == (
        f"{sum(r['share'] for r in foreign):.1f}%", f"{sum(r['installs'] for r in foreign):,} foreign installs"
    )
    assert cards["domestic-os"][1] == f"{summary['domestic_os_hosts']:,} hosts on a domestic OS"
    assert cards["hosts-incomplete"][0] == f"{summary['hosts_incomplete']:,}"
    assert f"{summary['hosts_without_foreign']:,} complete hosts without any" in cards["hosts-incomplete"][1]
    assert summary["hosts_with_foreign"] > 0
    for vendor in summary["top_foreign_vendors"]:
        assert html.escape(vendor["name"]) in out.read_text(encoding="utf-8")


def test_pdf_report_and_a_bad_filter(api, require_command, tmp_path):
    require_command("chromium")
    env = api
    pdf = tmp_path / "report.pdf"
    result = runner.invoke(cli, ["report", "--output", str(pdf), "--format", "pdf"], env=env)
    assert result.exit_code == 0, result.output
    assert pdf.read_bytes().startswith(b"%PDF-")
    bad = runner.invoke(cli, ["report", "--output", str(tmp_path / "x.html"), "--tag", "finance"], env=env)
    assert bad.exit_code == 2
    assert "KEY=VALUE" in bad.output

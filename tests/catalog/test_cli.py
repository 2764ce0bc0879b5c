"""`footprint catalog ...` and `footprint classify` through the real CLI entry point."""

from __future__ import annotations

from typer.testing import CliRunner

from server.cli import app

runner = CliRunner()


def test_catalog_check_passes_on_shipped_catalog(monkeypatch):
    monkeypatch.delenv("FOOTPRINT_CATALOG_DIR", raising=False)
    result = runner.invoke(app, ["catalog", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("catalog OK:")


def test_catalog_check_names_file_and_entry_of_each_problem(write_catalog, monkeypatch):
    local = write_catalog({"ours.toml": """
        [[vendor]]
        id = "inhouse"
        name = "In-house"
        country = "RU"
        [[product]]
        id = "payroll"
        vendor = "inhouse"
        name = "Payroll"
        category = "accounting"
        license = "proprietary"
    """})
    monkeypatch.setenv("FOOTPRINT_CATALOG_DIR", str(local))
    result = runner.invoke(app, ["catalog", "check"])
    assert result.exit_code == 1
    assert "ours.toml: vendor 'inhouse': missing 'source' URL" in result.output
    assert "ours.toml: product 'payroll': category 'accounting' is not one of" in result.output
    assert "Traceback" not in result.output


def test_catalog_stats_and_show(monkeypatch):
    monkeypatch.delenv("FOOTPRINT_CATALOG_DIR", raising=False)
    stats = runner.invoke(app, ["catalog", "stats", "--output", "json"])
    assert stats.exit_code == 0, stats.output
    assert '"by_country"' in stats.output
    shown = runner.invoke(app, ["catalog", "show", "microsoft"])
    assert shown.exit_code == 0 and '"effective_country": "US"' in shown.output
    missing = runner.invoke(app, ["catalog", "show", "no-such-thing"])
    assert missing.exit_code == 1

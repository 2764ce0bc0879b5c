"""`footprint catalog ...` and `footprint classify` through the real CLI entry point."""

from __future__ import annotations

import json

import pytest
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
    assert "no vendor or product with id 'no-such-thing'" in missing.stderr
    assert missing.exit_code == 1


@pytest.fixture
def sample_env(sample_catalog_dir, tmp_path, monkeypatch):
    """Point the CLI at the sample catalog (in place of the shipped files) and a private cache."""
    from server.catalog import loader

    monkeypatch.setattr(loader, "DATA_DIR", sample_catalog_dir)
    monkeypatch.delenv("FOOTPRINT_CATALOG_DIR", raising=False)
    monkeypatch.setenv("FOOTPRINT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("FOOTPRINT_HOME_COUNTRIES", raising=False)
    return tmp_path


def test_catalog_show_product_with_country_and_what_it_replaces(sample_env):
    shown = runner.invoke(app, ["catalog", "show", "yandex-telemost"])
    assert shown.exit_code == 0, shown.output
    product = json.loads(shown.stdout)["product"]
    assert (product["vendor_name"], product["country"]) == ("Yandex", "RU")
    assert product["replaces"] == ["microsoft-teams", "zoom-workplace"]


def test_classify_one_item_prints_vendor_country_status_rule(sample_env):
    result = runner.invoke(app, ["classify", "--name", "Zoom Workplace (64-bit)",
                                 "--publisher", "Zoom Video Communications, Inc.", "--source", "windows"])
    assert result.exit_code == 0, result.output
    assert "vendor:       Zoom (zoom)" in result.output
    assert "country:      US" in result.output
    assert "status:       foreign (proprietary)" in result.output
    assert "rule:         windows:name~zoom( workplace)?" in result.output
    assert "Yandex Telemost (yandex, RU, proprietary)" in result.output
    germany = runner.invoke(app, ["classify", "--name", "Yandex", "--publisher", "ООО «ЯНДЕКС»", "--home", "DE"])
    assert "status:       foreign (proprietary)" in germany.output and "register:     3722" in germany.output
    unknown = runner.invoke(app, ["classify", "--name", "Some Tool"])
    assert "status:       unknown" in unknown.output and "rule:         none" in unknown.output


def test_classify_file_keeps_order_and_reports_bad_lines(sample_env):
    items = sample_env / "items.jsonl"
    items.write_text(
        '{"name": "code", "source": "deb", "version": "1.95.3-1732123763"}\n'
        '{"name": "TeamSpeak 3 Client", "publisher": "TeamSpeak Systems GmbH", "source": "windows"}\n'
        "not json\n"
        "\n"
        '{"publisher": "Google LLC"}\n'
        '{"name": "Astra Linux", "source": "os", "id": "astra"}\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["classify", "--file", str(items)])
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["line"] for r in lines] == [1, 2, 3, 5, 6]
    assert (lines[0]["product"], lines[0]["rule"]) == ("vscode", "deb:name=code")
    assert lines[0]["version"] == "1.95.3-1732123763"
    assert (lines[1]["vendor"], lines[1]["product"], lines[1]["country"]) == ("teamspeak", "teamspeak-client", "DE")
    assert lines[2]["error"].startswith("invalid JSON") and lines[3]["error"] == "missing or empty string 'name'"
    assert (lines[4]["product"], lines[4]["status"]) == ("astra-linux", "domestic")
    assert "items.jsonl:3: invalid JSON" in result.stderr and "items.jsonl:5: missing" in result.stderr
    assert "2 bad input line(s)" in result.stderr


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_classify_file_other_formats(sample_env, fmt, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")
    items = sample_env / "items.jsonl"
    items.write_text('{"name": "Google Chrome", "publisher": "Google LLC", "source": "windows"}\n', encoding="utf-8")
    result = runner.invoke(app, ["classify", "--file", str(items), "--output", fmt])
    assert result.exit_code == 0, result.output
    if fmt == "json":
        assert json.loads(result.stdout)[0]["product"] == "google-chrome"
    elif fmt == "csv":
        header, row = result.stdout.splitlines()
        assert header.startswith("line,name,vendor,product") and ",google-chrome,browser,US," in row
    else:
        assert "google-chrome" in result.stdout and "foreign-proprietary" in result.stdout


def test_classify_refuses_an_invalid_catalog(sample_env, write_catalog, monkeypatch):
    broken = write_catalog({"broken.toml": '[[vendor]]\nid = "x"\nname = "X"\ncountry = "ZZ"\nsource = "https://e.org"\n'})
    monkeypatch.setenv("FOOTPRINT_CATALOG_DIR", str(broken))
    result = runner.invoke(app, ["classify", "--name", "Zoom"])
    assert result.exit_code == 2
    assert "broken.toml: vendor 'x': country 'ZZ'" in result.stderr


def test_classify_rejects_a_bad_home_country(sample_env, monkeypatch, capsys):
    from server.entry import main

    result = runner.invoke(app, ["classify", "--name", "Zoom", "--home", "EU"])
    assert result.exit_code == 2 and "'EU' is not an ISO 3166-1 alpha-2 code" in result.stderr
    monkeypatch.setattr("sys.argv", ["footprint", "classify", "--name", "Zoom", "--home", "EU"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2 and "'EU' is not" in capsys.readouterr().err


def test_classify_needs_exactly_one_input(sample_env):
    assert runner.invoke(app, ["classify"]).exit_code == 2
    missing = runner.invoke(app, ["classify", "--file", str(sample_env / "nope.jsonl")])
    assert missing.exit_code == 2 and "cannot read" in missing.stderr


def test_cache_is_rebuilt_when_a_catalog_file_changes(sample_catalog_dir, tmp_path, monkeypatch):
    from server.catalog.cache import load_index

    monkeypatch.setenv("FOOTPRINT_CACHE_DIR", str(tmp_path / "cache"))
    first = load_index(shipped_dir=sample_catalog_dir)
    assert len(list((tmp_path / "cache").glob("catalog-*.pickle"))) == 1
    assert load_index(shipped_dir=sample_catalog_dir).catalog.vendors.keys() == first.catalog.vendors.keys()
    extra = sample_catalog_dir / "zz-local.toml"
    extra.write_text('[[vendor]]\nid = "inhouse"\nname = "In-house"\ncountry = "RU"\nsource = "https://e.org"\n',
                     encoding="utf-8")
    assert "inhouse" in load_index(shipped_dir=sample_catalog_dir).catalog.vendors
    assert len(list((tmp_path / "cache").glob("catalog-*.pickle"))) == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["classify", "--name", "Zoom Workplace (64-bit)", "--publisher", "Zoom Video Communications, Inc."],
        ["classify", "--name=Yandex", "--publisher=ООО «ЯНДЕКС»", "--home", "DE"],
        ["classify", "--name", "code", "--source", "deb", "--id", "code"],
    ],
)
def test_fast_entry_answers_like_the_full_cli(sample_env, argv, monkeypatch, capsys):
    from server.entry import main

    monkeypatch.setattr("sys.argv", ["footprint", *argv])
    main()
    fast = capsys.readouterr().out
    full = runner.invoke(app, argv)
    assert full.exit_code == 0 and fast == full.stdout


def test_fast_entry_hands_everything_else_to_the_full_cli(sample_env, write_catalog, monkeypatch, capsys):
    from server.entry import _plain_classify, main

    assert _plain_classify(["classify", "--name", "X", "--output", "json"]) is None
    assert _plain_classify(["classify", "--file", "items.jsonl"]) is None
    assert _plain_classify(["classify", "--name"]) is None
    assert _plain_classify(["catalog", "check"]) is None
    broken = write_catalog({"broken.toml": '[[vendor]]\nid = "x"\nname = "X"\ncountry = "ZZ"\nsource = "https://e.org"\n'})
    monkeypatch.setenv("FOOTPRINT_CATALOG_DIR", str(broken))
    monkeypatch.setattr("sys.argv", ["footprint", "classify", "--name", "Zoom"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    assert "broken.toml: vendor 'x': country 'ZZ'" in capsys.readouterr().err


def test_cache_in_a_shared_directory_is_not_trusted(sample_catalog_dir, tmp_path, monkeypatch):
    """Another user could plant a pickle in a group/world-writable cache directory: it is never loaded."""
    import pickle

    from server.catalog.cache import load_index

    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv("FOOTPRINT_CACHE_DIR", str(shared))
    forged = load_index(shipped_dir=sample_catalog_dir)
    forged.catalog.vendors["microsoft"].country = "RU"
    (planted,) = shared.glob("catalog-*.pickle")
    planted.write_bytes(pickle.dumps(forged))
    assert load_index(shipped_dir=sample_catalog_dir).catalog.country_of("microsoft") == "US"
    shared.chmod(0o700)
    planted.write_bytes(pickle.dumps(forged))
    assert load_index(shipped_dir=sample_catalog_dir).catalog.country_of("microsoft") == "RU"  # ours: trusted

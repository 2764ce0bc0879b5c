"""The totals commands through a real `footprint serve`: three formats each, the same numbers everywhere,
`footprint catalog reclassify` moving the summary, and the trend's inline chart."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import update

from server.cli.remote.totals import sparkline
from server.store.db import utcnow
from server.store.ingest import ingest_report, parse_report
from server.store.tables import hosts
from tests.support import contoso
from tests.support import synthetic_fleet as synthetic
from tests.support.cli import run_cli

FLEET = 10
MARCH = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)
JUNE = datetime(2026, 6, 15, 9, 0, tzinfo=timezone.utc)


def _send(engine, report: dict, when: datetime) -> None:
    report = dict(report, collected_at=when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), report_id=str(uuid.uuid4()))
    ingest_report(engine, parse_report(json.dumps(report).encode()), report["host"]["id"])


def _without(report: dict, needle: str) -> dict:
    return dict(report, software=[i for i in report["software"] if needle not in i["name"].lower()])


@pytest.fixture
def fleet(engine):
    """10 generated hosts seen in March; in June the even ones drop Zoom; all but one report again today,
    and that one has been silent for 40 days (stale)."""
    from server.store.credentials import create_token, enroll_host, find_token

    reports = [synthetic.host_report(i, seed=11, windows_size=40, linux_size=40) for i in range(FLEET)]
    now = datetime.now(timezone.utc)
    for i, report in enumerate(reports):
        secret = create_token(engine, "enroll", name="fleet", tags={"dept": "finance" if i % 2 else "sales"}).secret
        token = find_token(engine, secret, ("enroll",), utcnow())
        enroll_host(engine, token, report["host"]["id"], report["host"]["hostname"])
        _send(engine, report, MARCH)
        if i % 2 == 0:
            reports[i] = _without(report, "zoom")
            _send(engine, reports[i], JUNE)
        _send(engine, reports[i], now - timedelta(hours=1))
    with engine.begin() as conn:
        conn.execute(update(hosts).where(hosts.c.id == reports[-1]["host"]["id"])
                     .values(last_seen=utcnow() - timedelta(days=40)))
    return reports


@pytest.fixture
def api_env(db_url, engine, start_collector, admin_token, tmp_path):
    collector = start_collector(db_url)
    return {"FOOTPRINT_SERVER": collector.url, "FOOTPRINT_TOKEN": admin_token,
            "FOOTPRINT_CLIENT_CONFIG": str(tmp_path / "no-config.toml"), "COLUMNS": "80"}


def _json(args, env):
    return json.loads(run_cli(args + ["-o", "json"], env))


def _csv(args, env):
    return list(csv.DictReader(io.StringIO(run_cli(args + ["-o", "csv"], env))))


def _fits(table: str) -> bool:
    return all(len(line) <= 80 for line in table.splitlines())


def test_summary_in_three_formats(fleet, api_env):
    data = _json(["summary"], api_env)
    assert data["hosts"]["reporting"] == FLEET - 1 and data["hosts"]["stale"] == 1
    table = run_cli(["summary"], api_env)
    assert _fits(table)
    assert f"Hosts: {FLEET - 1} reporting, 1 stale" in table
    assert (f"Hosts with foreign software: {data['hosts_with_foreign']} of {FLEET - 1} "
            f"({data['hosts_with_foreign_share']:.1f}%)") in table
    assert data["top_foreign_vendors"][0]["name"] in table
    rows = _csv(["summary"], api_env)
    status = {r["item"]: int(r["installs"]) for r in rows if r["section"] == "status"}
    assert status == {g["status"]: g["installs"] for g in data["installs_by_status"]}
    assert sum(status.values()) == data["installs"]
    finance = _json(["summary", "--tag", "dept=finance"], api_env)
    assert finance["hosts"]["reporting"] + finance["hosts"]["stale"] == FLEET // 2
    assert finance["filters"]["tags"] == ["dept=finance"]
    windows = _json(["summary", "--os", "windows", "--stale-days", "60"], api_env)
    assert windows["hosts"]["stale"] == 0 and windows["filters"]["stale_days"] == 60
    assert _json(["summary", "--seen-within", "1"], api_env)["hosts"]["reporting"] == FLEET - 1


def test_vendors_products_unknown_in_three_formats(fleet, api_env):
    vendors = _json(["vendors", "--foreign"], api_env)["vendors"]
    assert vendors and all(v["status"] == "foreign" for v in vendors)
    table = run_cli(["vendors", "--foreign"], api_env)
    assert _fits(table) and vendors[0]["name"] in table
    assert [r["name"] for r in _csv(["vendors", "--foreign"], api_env)] == [v["name"] for v in vendors]
    everyone = _json(["vendors"], api_env)["vendors"]
    assert len(everyone) > len(vendors)

    products = _json(["products", "--status", "foreign"], api_env)["products"]
    assert products and {p["group"] for p in products} <= {"foreign-proprietary", "foreign-open-source"}
    with_alternatives = [p for p in products if p["alternatives"]]
    assert with_alternatives, "the catalog names alternatives for common foreign products"
    table = run_cli(["products", "--status", "foreign"], api_env)
    assert _fits(table) and with_alternatives[0]["alternatives"][0]["name"][:10] in table
    rows = _csv(["products", "--status", "foreign"], api_env)
    assert [int(r["installs"]) for r in rows] == [p["installs"] for p in products]
    assert rows[0]["versions"] == ", ".join(products[0]["versions"])
    us = _json(["products", "--country", "us"], api_env)["products"]
    assert us and {p["country"] for p in us} == {"US"}
    browsers = _json(["products", "--category", "browser"], api_env)["products"]
    assert browsers and {p["category"] for p in browsers} == {"browser"}

    unknown = _json(["unknown"], api_env)["unknown"]
    assert any(u["name"].startswith("Contoso Line-of-Business Tool") for u in unknown)
    assert _fits(run_cli(["unknown"], api_env))
    assert [r["name"] for r in _csv(["unknown"], api_env)] == [u["name"] for u in unknown]
    by_publisher = _json(["unknown", "--by", "publisher", "--limit", "10000"], api_env)
    every_title = _json(["unknown", "--limit", "10000"], api_env)["unknown"]
    assert by_publisher["by"] == "publisher" and by_publisher["unknown"]
    assert sum(p["installs"] for p in by_publisher["unknown"]) == sum(u["installs"] for u in every_title)
    assert _fits(run_cli(["unknown", "--by", "publisher"], api_env))
    assert "Invalid value" in run_cli(["unknown", "--by", "vendor"], api_env, code=2)


def test_worst_hosts_and_one_host_classified(fleet, api_env):
    worst = _json(["hosts", "--foreign"], api_env)["hosts"]
    foreign = [h["foreign"] for h in worst]
    assert foreign == sorted(foreign, reverse=True) and foreign[0] > 0
    table = run_cli(["hosts", "--foreign", "--sort", "share"], api_env)
    assert _fits(table) and worst[0]["hostname"] in table
    rows = _csv(["hosts", "--foreign", "--sort", "hostname", "--tag", "dept=sales"], api_env)
    assert [r["hostname"] for r in rows] == sorted(r["hostname"] for r in rows) and rows

    host_id = worst[0]["id"]
    whole = _json(["host", host_id], api_env)
    groups = Counter(i["group"] for i in whole["software"])
    host_os_is_foreign = worst[0]["os_status"] == "foreign"  # the OS counts as one install of its own
    assert groups["foreign-proprietary"] + groups["foreign-open-source"] + host_os_is_foreign == worst[0]["foreign"]
    classified = [i for i in whole["software"] if i["rule"]]
    assert classified and all(i["product_name"] or i["vendor_name"] for i in classified)
    table = run_cli(["host", host_id], api_env)
    assert _fits(table) and "rules that matched:" in table
    assert classified[0]["rule"][:20] in table
    by_name = _json(["host", worst[0]["hostname"]], api_env)
    assert by_name["id"] == host_id and by_name["software"] == whole["software"]
    items = _csv(["host", host_id[:12]], api_env)
    assert len(items) == len(whole["software"]) and {"group", "rule", "alternatives"} <= set(items[0])
    assert "not_found" in run_cli(["host", "no-such-host"], api_env, code=2)


def test_numbers_agree_across_summary_vendors_products_hosts_and_export(fleet, api_env):
    summary = _json(["summary"], api_env)
    by_status = {g["status"]: g["installs"] for g in summary["installs_by_status"]}
    foreign = by_status["foreign-proprietary"] + by_status["foreign-open-source"]
    products = _json(["products"], api_env)["products"]
    vendors = _json(["vendors"], api_env)["vendors"]
    foreign_products = _json(["products", "--status", "foreign"], api_env)["products"]
    foreign_vendors = _json(["vendors", "--foreign"], api_env)["vendors"]
    worst = _json(["hosts", "--foreign", "--limit", "100000"], api_env)["hosts"]
    export = list(csv.DictReader(io.StringIO(run_cli(["export"], api_env))))
    unknown = _json(["unknown", "--limit", "100000"], api_env)["unknown"]
    without_vendor = sum(u["installs"] for u in unknown)

    assert sum(int(r["installs"]) for r in export) == summary["installs"]
    assert len({r["host_id"] for r in export}) == summary["hosts"]["reporting"]
    assert sum(p["installs"] for p in products) + without_vendor == summary["installs"]
    assert sum(v["installs"] for v in vendors) + without_vendor == summary["installs"]
    exported_foreign = sum(int(r["installs"]) for r in export if r["group"].startswith("foreign"))
    assert foreign == exported_foreign == sum(h["foreign"] for h in worst)
    assert foreign == sum(p["installs"] for p in foreign_products) == sum(v["installs"] for v in foreign_vendors)
    assert len(worst) == summary["hosts_with_foreign"]
    assert len({r["host_id"] for r in export if r["group"].startswith("foreign")}) == len(worst)
    hosts_per_vendor = {}
    for row in export:
        hosts_per_vendor.setdefault(row["vendor"], set()).add(row["host_id"])
    assert {v["name"]: v["hosts"] for v in vendors} == {k: len(v) for k, v in hosts_per_vendor.items() if k}
    assert any(v["products"] > 1 for v in vendors), "a vendor with several products counts each host once"
    top = summary["top_foreign_products"][0]
    assert top["installs"] == next(p["installs"] for p in foreign_products if p["name"] == top["name"])


def test_export_formats_bom_and_file(fleet, api_env, tmp_path):
    plain = run_cli(["export"], api_env)
    assert plain.startswith("host_id,hostname,")
    with_bom = run_cli(["export", "--bom"], api_env)
    assert with_bom == "\ufeff" + plain
    lines = run_cli(["export", "--format", "json"], api_env).splitlines()
    assert len(lines) == len(plain.splitlines()) - 1 and json.loads(lines[0])["hostname"]
    target = tmp_path / "footprint.csv"
    run_cli(["export", "--bom", "--output", str(target), "--tag", "dept=finance"], api_env)
    text = target.read_bytes().decode("utf-8")
    assert text.startswith("\ufeffhost_id,")
    finance = _json(["summary", "--tag", "dept=finance"], api_env)
    assert sum(int(r["installs"]) for r in csv.DictReader(io.StringIO(text[1:]))) == finance["installs"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".footprint.csv")]
    assert "CSV only" in run_cli(["export", "--format", "json", "--bom"], api_env, code=2)
    missing = tmp_path / "no-such-dir" / "x.csv"
    assert "does not exist" in run_cli(["export", "--output", str(missing)], api_env, code=2)


def test_trend_table_chart_and_product(fleet, api_env):
    data = _json(["trend", "--by", "month", "--since", "2026-03-01"], api_env)
    rows = data["trend"]
    assert rows[0]["period"] == "2026-03" and rows[0]["hosts"] == FLEET
    zoom_drop = rows[2]["foreign_installs"] - rows[3]["foreign_installs"]  # May → June
    assert zoom_drop > 0
    table = run_cli(["trend", "--since", "2026-03-01"], api_env)
    assert _fits(table)
    chart = {line.split("  ")[0]: line for line in table.split("\n\n")[-1].splitlines()}
    series = [r["foreign_installs"] for r in rows]
    assert chart["foreign"].split()[1] == sparkline(series)
    assert chart["foreign"].endswith(f"{series[0]} → {series[-1]}")
    assert set(chart) == {"foreign", "hosts w/ foreign", "foreign %", "hosts %"}
    weeks = _csv(["trend", "--by", "week", "--since", "2026-06-01"], api_env)
    assert weeks[0]["period"] == "2026-W23" and len(weeks) > 20
    zoom = _json(["trend", "--product", "zoom-workplace", "--since", "2026-03-01"], api_env)["trend"]
    assert zoom[0]["installs"] > zoom[3]["installs"] >= 0
    assert "week or month" in run_cli(["trend", "--by", "year"], api_env, code=2)
    assert "2026-01-31" in run_cli(["trend", "--since", "March"], api_env, code=2)


def test_sparkline_scales_each_series_to_its_own_range():
    assert sparkline([0, 1, 2, 3, 4, 5, 6, 7]) == "▁▂▃▄▅▆▇█"
    assert sparkline([40, 30, 20, 10]) == "█▆▃▁"
    assert sparkline([5, 5, 5]) == "▅▅▅" and sparkline([0, 0]) == "▁▁" and sparkline([]) == ""


def test_catalog_reclassify_changes_the_summary(fleet, api_env, db_url, tmp_path):
    before = _json(["summary"], api_env)
    moved = sum(u["installs"] for u in _json(["unknown", "--limit", "100000"], api_env)["unknown"]
                if u["name"].startswith("Contoso Line-of-Business Tool"))
    assert moved > 0
    local = contoso.write_catalog(tmp_path / "catalog")
    out = run_cli(["catalog", "reclassify", "--catalog-dir", str(local), "--db", db_url], {"COLUMNS": "80"})
    assert _fits(out) and "changed classification" in out
    moves = [line for line in out.splitlines() if line.startswith("unknown ") and "domestic: Contoso" in line]
    assert len(moves) == 1 and int(moves[0].split()[-1]) > moved  # every stored host, the stale one too
    status_table = out.split("\n\n")[1]
    status_lines = {line.split()[0]: line.split()[1:] for line in status_table.splitlines()[3:]}
    old = {g["status"]: g["installs"] for g in before["installs_by_status"]}
    assert status_lines["domestic"] == [str(old["domestic"]), str(old["domestic"] + moved), f"+{moved}"]
    assert status_lines["unknown"][2] == f"-{moved}"
    after = _json(["summary"], api_env)
    new = {g["status"]: g["installs"] for g in after["installs_by_status"]}
    assert new["domestic"] == old["domestic"] + moved and new["unknown"] == old["unknown"] - moved
    assert f"domestic             {old['domestic'] + moved}" in run_cli(["summary"], api_env)
    german = run_cli(["catalog", "reclassify", "--catalog-dir", str(local), "--home", "DE", "--db", db_url], {})
    assert "(home DE)" in german
    assert _json(["summary"], api_env)["installs_by_status"] != after["installs_by_status"]
    assert "ISO 3166-1 alpha-2" in run_cli(["catalog", "reclassify", "--home", "Russia", "--db", db_url], {}, code=2)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "broken.toml").write_text('[[vendor]]\nid = "x"\nname = "X"\ncountry = "ZZ"\nsource = "https://e.org"\n')
    in_german = _json(["summary"], api_env)["installs_by_status"]
    refused = run_cli(["catalog", "reclassify", "--catalog-dir", str(broken), "--db", db_url], {}, code=2)
    assert "catalog is invalid, nothing changed" in refused and "broken.toml: vendor 'x'" in refused
    assert _json(["summary"], api_env)["installs_by_status"] == in_german


EXTENSIONS = [
    {"name": "Google Translate", "version": "2.0.14", "source": "browser-extension",
     "id": "aapbdbdomjkkjkaonfhkkikfgjllcleb", "scope": "user", "user": "ivanov", "application": "Google Chrome",
     "profile": profile, "install_source": "store"} for profile in ("Default", "Profile 1")
] + [{"name": "GitHub Copilot", "version": "1.245.0", "source": "ide-extension", "id": "github.copilot",
      "publisher": "GitHub", "scope": "user", "user": "ivanov", "application": "Visual Studio Code"}]


def test_extensions_apart_in_summary_and_on_request_in_products(engine, fleet, api_env):
    before = _json(["summary"], api_env)
    _send(engine, dict(fleet[0], software=fleet[0]["software"] + EXTENSIONS), datetime.now(timezone.utc))
    data = _json(["summary"], api_env)
    assert (data["installs"], data["hosts_with_foreign"]) == (before["installs"], before["hosts_with_foreign"])
    assert data["extensions"]["installs"] == 3
    table = run_cli(["summary"], api_env)
    assert _fits(table)
    assert "Browser and IDE extensions (apart from the above): 3 installs" in table
    assert "Google Translate (browser" in table.split("Top foreign extensions", 1)[1]
    rows = _csv(["summary"], api_env)
    assert {r["item"]: r["installs"] for r in rows if r["section"] == "foreign extension"} == {
        "Google Translate (browser extension)": "2", "GitHub Copilot (IDE extension)": "1"}
    only = _json(["products", "--extensions", "only"], api_env)["products"]
    assert [(p["product"], p["installs"], p["hosts"]) for p in only] == [
        ("google-translate-extension", 2, 1), ("github-copilot-extension", 1, 1)]
    default = {p["product"] for p in _json(["products"], api_env)["products"]}
    assert not default & {"google-translate-extension", "github-copilot-extension"}
    included = {p["product"] for p in _json(["products", "--extensions", "include"], api_env)["products"]}
    assert included == default | {"google-translate-extension", "github-copilot-extension"}
    assert "github" in {v["vendor"] for v in _json(["vendors", "--extensions", "only"], api_env)["vendors"]}
    assert "--extensions" in run_cli(["products", "--extensions", "sometimes"], api_env, code=2)


def test_products_unused_days_and_the_summary_count_over_the_hosts_that_record_last_use(engine, api_env):
    """On each generated Windows host one program was last used 200 days ago and one 2 days ago (times relative
    to the collector's clock, so faketime moves both); the Linux hosts record no last use and are left out."""
    from server.store.credentials import create_token, enroll_host, find_token

    now = datetime.now(timezone.utc)
    reports = [synthetic.host_report(i, seed=5, windows_size=20, linux_size=20) for i in range(5)]
    windows = [r for r in reports if r["host"]["os"]["family"] == "windows"]
    assert windows and len(windows) < len(reports)
    secret = create_token(engine, "enroll", name="fleet").secret
    for report in reports:
        if report in windows:
            report["software"][0]["last_used"] = (now - timedelta(days=200)).strftime("%Y-%m-%dT00:00:00Z")
            report["software"][1]["last_used"] = (now - timedelta(days=2)).strftime("%Y-%m-%dT00:00:00Z")
        enroll_host(engine, find_token(engine, secret, ("enroll",), utcnow()), report["host"]["id"],
                    report["host"]["hostname"])
        _send(engine, report, now - timedelta(hours=1))
    programs = sum(len(r["software"]) for r in windows)
    unused = _json(["summary"], api_env)["unused"]
    assert (unused["hosts_recording"], unused["installs"], unused["unused"], unused["no_use_recorded"]) == (
        len(windows), programs, len(windows), programs - 2 * len(windows))
    table = run_cli(["summary"], api_env)
    assert f"Not used in 90 days: {len(windows)} of {programs} installs" in table
    assert f"over the {len(windows)} hosts that record\n  last use only (Windows, macOS; Linux records none)" in table
    assert all(len(line) <= 80 for line in table.splitlines())
    rows = _json(["products", "--unused-days", "90"], api_env)["products"]
    assert rows and all(r["unused"] + r["no_use_recorded"] > 0 for r in rows)
    assert all(r["installs_recording"] >= r["unused"] + r["no_use_recorded"] for r in rows)
    assert sum(r["unused"] for r in rows) <= len(windows)  # the dated-old programs that the catalog knows
    assert run_cli(["products", "--unused-days", "90"], api_env).startswith(
        f"Not used in 90 days, over the {len(windows)} hosts that record last use only")
    assert set(_csv(["products", "--unused-days", "90"], api_env)[0]) >= {"installs_recording", "unused",
                                                                         "no_use_recorded"}
    assert "--unused-days" in run_cli(["products", "--unused-days", "0"], api_env, code=2)

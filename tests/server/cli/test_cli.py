"""The `footprint` admin CLI: query commands through a real collector's API, server commands on the DB."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import update

from server.store.credentials import create_token
from server.store.db import utcnow
from server.store.migrate import head_revision
from server.store.tables import hosts
from tests.support.cli import run_cli


@pytest.fixture
def fleet(client, enroll, make_report, engine):
    """A Debian workstation, a Windows office machine, and a Debian one silent for 40 days."""
    debian = enroll(hostname="ws-debian")
    windows = enroll(hostname="office-win")
    old = enroll(hostname="ws-old")
    for host, os_ in ((debian, "linux"), (windows, "windows"), (old, "linux")):
        answer = client.post("/api/v1/reports", json=make_report(host, os=os_), headers=host.headers)
        assert answer.status_code == 200
    with engine.begin() as conn:
        when = utcnow() - timedelta(days=40)
        conn.execute(update(hosts).where(hosts.c.id == old.host_id).values(last_seen=when))
    return {"debian": debian, "windows": windows, "old": old}


@pytest.fixture
def api_env(db_url, engine, start_collector, admin_token, tmp_path):
    collector = start_collector(db_url)
    return {
        "FOOTPRINT_SERVER": collector.url,
        "FOOTPRINT_TOKEN": admin_token,
        "FOOTPRINT_CLIENT_CONFIG": str(tmp_path / "no-config.toml"),
        "COLUMNS": "80",
    }


def test_hosts_in_three_formats_with_filters(fleet, api_env):
    table = run_cli(["hosts"], api_env)
    assert {"ws-debian", "office-win", "ws-old"} <= set(table.split())
    assert all(len(line) <= 80 for line in table.splitlines())
    data = json.loads(run_cli(["hosts", "--os", "windows", "-o", "json"], api_env))
    assert [h["hostname"] for h in data["hosts"]] == ["office-win"]
    assert data["hosts"][0]["tags"] == {"dept": "finance"}
    rows = list(csv.DictReader(io.StringIO(run_cli(["hosts", "--not-seen-days", "30", "-o", "csv"], api_env))))
    assert [r["hostname"] for r in rows] == ["ws-old"]
    assert run_cli(["hosts", "--tag", "dept=sales", "-o", "json"], api_env).count("hostname") == 0
    assert len(json.loads(run_cli(["hosts", "--tag", "dept=finance", "-o", "json"], api_env))["hosts"]) == 3


def test_host_shows_facts_and_software(fleet, api_env):
    host = fleet["windows"]
    table = run_cli(["host", host.host_id], api_env)
    assert "Windows 11 Pro" in table and "Яндекс Браузер" in table and "dept=finance" in table
    items = list(csv.DictReader(io.StringIO(run_cli(["host", host.host_id, "-o", "csv"], api_env))))
    assert len(items) == 9 and {i["source"] for i in items} == {"windows"}
    whole = json.loads(run_cli(["host", host.host_id, "-o", "json"], api_env))
    assert whole["interfaces"][0]["mac"] == "52:54:00:12:34:56" and whole["software_count"] == 9
    for ref in ("OFFICE-WIN", host.host_id[:12]):  # by hostname, by the prefix `hosts` shows
        assert json.loads(run_cli(["host", ref, "-o", "json"], api_env))["id"] == host.host_id
    assert host.host_id[:12] in run_cli(["hosts"], api_env)


def test_software_counts_hosts_per_title(fleet, api_env):
    rows = json.loads(run_cli(["software", "--name", "BASH", "-o", "json"], api_env))["software"]
    assert [(r["name"], r["hosts"]) for r in rows] == [("bash", 2)]
    windows_only = json.loads(run_cli(["software", "--os", "windows", "-o", "json"], api_env))
    assert {r["hosts"] for r in windows_only["software"]} == {1}


def test_hosts_remove_locks_the_host_out(fleet, api_env, client, make_report):
    host = fleet["debian"]
    assert "removed" in run_cli(["hosts", "remove", host.host_id], api_env)
    assert "ws-debian" not in run_cli(["hosts"], api_env)
    answer = client.post("/api/v1/reports", json=make_report(host), headers=host.headers)
    assert answer.status_code == 401
    assert "not_found" in run_cli(["host", host.host_id], api_env, code=2)


def test_friendly_errors(api_env, engine):
    bad_token = dict(api_env, FOOTPRINT_TOKEN="fpa_wrong")
    out = run_cli(["hosts"], bad_token, code=2)
    assert "401" in out and "--token" in out and "Traceback" not in out
    read_only = dict(api_env, FOOTPRINT_TOKEN=create_token(engine, "admin", read_only=True).secret)
    assert "read-only" in run_cli(["hosts", "remove", "x"], read_only, code=2)
    unreachable = dict(api_env, FOOTPRINT_SERVER="http://127.0.0.1:9")
    assert "cannot reach the collector" in run_cli(["software"], unreachable, code=2)
    assert "KEY=VALUE" in run_cli(["hosts", "--tag", "finance"], api_env, code=2)


def test_config_file_supplies_server_and_token(fleet, api_env, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f'server = "{api_env["FOOTPRINT_SERVER"]}"\ntoken = "{api_env["FOOTPRINT_TOKEN"]}"\n')
    env = {"FOOTPRINT_CLIENT_CONFIG": str(config), "FOOTPRINT_SERVER": "", "FOOTPRINT_TOKEN": ""}
    assert "ws-debian" in run_cli(["hosts"], env)


def test_tokens_create_list_revoke_on_the_database(db_url, engine):
    env = {"FOOTPRINT_DB": db_url}
    out = run_cli(["tokens", "create", "--kind", "enroll", "--expires", "7d", "--tag", "dept=hr"], env)
    secret = out.split("keep it safe): ")[1].strip()
    assert secret.startswith("fpe_") and secret not in run_cli(["tokens", "list", "-o", "json"], env)
    listed = json.loads(run_cli(["tokens", "list", "-o", "json"], env))
    assert listed[0]["tags"] == {"dept": "hr"} and listed[0]["state"] == "live"
    run_cli(["tokens", "revoke", str(listed[0]["id"])], env)
    assert json.loads(run_cli(["tokens", "list", "-o", "json"], env))[0]["state"] == "revoked"
    assert "only admin tokens" in run_cli(["tokens", "create", "--kind", "enroll", "--read-only"], env, code=2)


def test_serve_refuses_an_unmigrated_database_and_db_upgrade_fixes_it(pg_url):
    command = [sys.executable, "-c", "from server.cli import main; main()"]
    refused = subprocess.run(command + ["serve", "--db", pg_url], capture_output=True, text=True)
    assert refused.returncode == 2
    assert "footprint db upgrade" in refused.stderr and "Traceback" not in refused.stderr
    upgraded = subprocess.run(command + ["db", "upgrade", "--db", pg_url], capture_output=True, text=True)
    assert upgraded.returncode == 0 and f"revision {head_revision()}" in upgraded.stdout


def test_hosts_reenroll_prints_a_one_time_secret_for_that_host(fleet, api_env, client):
    host = fleet["windows"]
    out = run_cli(["hosts", "reenroll", "office-win", "--valid-hours", "2"], api_env)
    secret = next(word for word in out.split() if word.startswith("fpr_"))
    assert host.host_id in out and "once" in out
    body = {"secret": secret, "host_id": host.host_id, "hostname": "office-win"}
    assert client.post("/api/v1/enroll", json=body).status_code == 201
    assert client.post("/api/v1/enroll", json=body).status_code == 401
    assert "not_found" in run_cli(["hosts", "reenroll", "no-such-host"], api_env, code=2)


def test_a_refused_report_shows_in_hosts_and_host(fleet, api_env, app, client, make_report):
    host = fleet["windows"]
    report = make_report(host, os="windows")
    del report["software"][2]["name"]  # an older agent's Uninstall entry without DisplayName
    assert client.post("/api/v1/reports", json=report, headers=host.headers).status_code == 422
    app.state.rejections.flush(app.state.engine)  # the test's collector process; `hosts` runs on another
    table = run_cli(["hosts"], api_env)
    marked = [line.split()[1] for line in table.splitlines() if line.rstrip().endswith("refused")]
    assert marked == ["office-win"] and all(len(line) <= 80 for line in table.splitlines())
    rows = {r["hostname"]: r for r in csv.DictReader(io.StringIO(run_cli(["hosts", "-o", "csv"], api_env)))}
    assert rows["office-win"]["status"] == "refused" and rows["office-win"]["refused_status"] == "422"
    assert "software[2].name: Field required" in rows["office-win"]["refused_detail"]
    assert rows["ws-debian"]["status"] == "" and rows["ws-debian"]["refused_at"] == ""
    listed = json.loads(run_cli(["hosts", "-o", "json"], api_env))["hosts"]
    assert next(h for h in listed if h["hostname"] == "office-win")["last_refusal"]["error"] == "invalid_report"
    shown = run_cli(["host", "office-win"], api_env)
    assert "last report refused: " in shown and "422 invalid_report: software[2].name: Field required" in shown
    assert "last report refused" not in run_cli(["host", "ws-debian"], api_env)

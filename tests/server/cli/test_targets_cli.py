"""`footprint targets` through a real `footprint serve`: list in three formats with the API's figures, show and
its CSV action list, add / edit / remove / load with errors that name the field, history, read-only refused.
The fleet's history is laid relative to the clock the collector reads, so it holds under faketime too."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest

from server.store.credentials import create_token
from server.store.db import utcnow
from tests.support import target_fleet
from tests.support.cli import run_cli


@pytest.fixture
def api_env(db_url, engine, start_collector, admin_token, tmp_path):
    target_fleet.build(engine, utcnow())
    collector = start_collector(db_url)
    return {"FOOTPRINT_SERVER": collector.url, "FOOTPRINT_TOKEN": admin_token,
            "FOOTPRINT_CLIENT_CONFIG": str(tmp_path / "no-config.toml"), "COLUMNS": "80"}


def _day(days: int) -> str:
    return (utcnow() + timedelta(days=days)).date().isoformat()


def test_targets_list_show_and_the_action_list(api_env):
    assert "no targets yet" in run_cli(["targets"], api_env)
    run_cli(["targets", "add", "decree-166", "--remove", "foreign", "--due", _day(30), "--description", "Decree 166",
          "--milestone", f"{_day(-1)}:100:dept=finance"], api_env)
    run_cli(["targets", "add", "chrome-off", "--remove", "product:google-chrome", "--due", _day(3),
          "--tag", "dept=sales"], api_env)
    data = json.loads(run_cli(["targets", "-o", "json"], api_env))
    listed = {t["name"]: t for t in data["targets"]}
    decree, chrome = listed["decree-166"], listed["chrome-off"]
    assert decree["hosts_in_scope"] == target_fleet.HOSTS and decree["violating_hosts"] == 10
    assert decree["violating_installs"] == 30 and decree["status"] == "on track"
    assert decree["milestones"][0]["status"] == "met"
    assert chrome["hosts_in_scope"] == 10 and chrome["violating_installs"] == 10 and chrome["status"] == "at risk"
    assert "least-squares" in data["method"]
    table = run_cli(["targets"], api_env)
    assert all(len(line) <= 80 for line in table.splitlines())
    assert "decree-166" in table and "on track" in table and "least-squares" in table
    rows = list(csv.DictReader(io.StringIO(run_cli(["targets", "-o", "csv"], api_env))))
    assert [(r["name"], int(r["violating_installs"]), r["status"]) for r in rows] == [
        (t["name"], t["violating_installs"], t["status"]) for t in data["targets"]]

    shown = run_cli(["targets", "show", "decree-166"], api_env)
    assert "ON TRACK" in shown and "dept sales: 10 violating hosts" in shown and "astra-069" in shown
    actions = list(csv.DictReader(io.StringIO(run_cli(["targets", "show", "decree-166", "--csv"], api_env))))
    assert len(actions) == 30 and {a["group"] for a in actions} == {"sales"}
    zoom = [a for a in actions if a["product"].startswith("Zoom")]
    assert len(zoom) == 10 and all(a["alternatives"] for a in zoom)
    assert "not_found" in run_cli(["targets", "show", "no-such"], api_env, code=2)


def test_add_edit_remove_load_and_history(api_env, engine, tmp_path):
    wrong = run_cli(["targets", "add", "x", "--remove", "category:spreadsheets", "--due", _day(9)], api_env, code=2)
    assert "remove = 'category:spreadsheets': unknown category" in wrong
    assert "due = '1 March'" in run_cli(["targets", "add", "x", "--remove", "foreign", "--due", "1 March"], api_env,
                                     code=2)
    run_cli(["targets", "add", "x", "--remove", "foreign", "--due", _day(9)], api_env)
    assert "exists" in run_cli(["targets", "add", "x", "--remove", "foreign", "--due", _day(9)], api_env, code=2)
    assert "changed" in run_cli(["targets", "edit", "x", "--due", _day(20), "--kind", "computer"], api_env)
    assert "nothing changed" in run_cli(["targets", "edit", "x", "--due", _day(20)], api_env)
    edited = json.loads(run_cli(["targets", "show", "x", "-o", "json"], api_env))
    assert edited["due"] == _day(20) and edited["kind"] == "computer" and edited["remove"] == "foreign"

    good = tmp_path / "targets.toml"
    good.write_text(f'[[target]]\nname = "x"\nremove = "foreign-proprietary"\ndue = {_day(40)}\n\n'
                    f'[[target]]\nname = "zoom-off"\nremove = "product:zoom-workplace"\ndue = {_day(10)}\n'
                    f'[[target.milestones]]\ndate = {_day(5)}\nshare = 95\n')
    assert run_cli(["targets", "load", str(good)], api_env).splitlines() == ["x: edit", "zoom-off: add"]
    bad = tmp_path / "bad.toml"
    bad.write_text(f'[[target]]\nname = "y"\nremove = "foreign"\ndue = {_day(9)}\nstale_days = "thirty"\n')
    assert f"{bad}: target[0].stale_days = 'thirty'" in run_cli(["targets", "load", str(bad)], api_env, code=2)
    bad.write_text("[[target]\n")
    assert "not valid TOML" in run_cli(["targets", "load", str(bad)], api_env, code=2)
    assert "cannot read it" in run_cli(["targets", "load", str(tmp_path / "none.toml")], api_env, code=2)

    run_cli(["targets", "remove", "x"], api_env)
    history = json.loads(run_cli(["targets", "history", "x", "-o", "json"], api_env))["changes"]
    assert [c["action"] for c in history] == ["remove", "edit", "edit", "add"]
    assert history[2]["before"]["due"] == _day(9) and history[2]["after"]["due"] == _day(20)
    assert all(c["who"].startswith("admin token") for c in history)
    table = run_cli(["targets", "history"], api_env)
    assert "zoom-off" in table and "due, kind" in table

    read_only = {**api_env, "FOOTPRINT_TOKEN": create_token(engine, "admin", read_only=True).secret}
    assert "zoom-off" in run_cli(["targets"], read_only)
    assert "403" in run_cli(["targets", "remove", "zoom-off"], read_only, code=2)

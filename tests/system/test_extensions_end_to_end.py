"""Extensions from an agent's collect to a real collector: every install kept with its user, browser and profile,
and counted apart from the programs."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from agent import config as agent_config
from agent.delivery import run_cycle
from agent.inventory import collect
from agent.report import inventory_hash
from tests.support.extension_homes import sample_machine


def test_n_extensions_of_three_browsers_and_two_users_reach_the_collector_as_n(live_collector, agent_cli,
                                                                               agent_env, monkeypatch, tmp_path):
    expected = sample_machine(tmp_path / "machine")
    enrolled = agent_cli("enroll", "--server", live_collector.url, FOOTPRINT_ENROLL_SECRET=live_collector.secret)
    assert enrolled.returncode == 0, enrolled.stderr
    monkeypatch.setenv("FOOTPRINT_STATE_DIR", agent_env["FOOTPRINT_STATE_DIR"])
    config = agent_config.load(agent_env["FOOTPRINT_CONFIG"], environ=agent_env)
    host_id = json.loads((Path(agent_env["FOOTPRINT_STATE_DIR"]) / "host-key.json").read_text())["host_id"]

    def inventory() -> dict:
        """The sample machine's report under the id this agent enrolled with (a --root run has its own)."""
        report = collect(str(tmp_path / "machine"))
        report["host"]["id"] = host_id
        report["inventory_hash"] = inventory_hash(report)
        return report

    outcome = run_cycle(config, inventory, force_full=True, wait=lambda s: False)
    assert outcome.ok, outcome.message
    with sqlite3.connect(live_collector.database) as db:
        stored = db.execute(
            "SELECT t.source, hs.application, hs.username, hs.profile, t.package_id, t.name, hs.install_source "
            "FROM host_software hs JOIN software_titles t ON t.id = hs.title_id "
            "WHERE t.source IN ('browser-extension', 'ide-extension')").fetchall()
        extension_classes = db.execute(
            "SELECT DISTINCT c.extension FROM host_software hs JOIN title_classes tc ON tc.title_id = hs.title_id "
            "JOIN classes c ON c.id = tc.class_id JOIN software_titles t ON t.id = hs.title_id "
            "WHERE t.source IN ('browser-extension', 'ide-extension')").fetchall()
        program_installs = db.execute("SELECT installs FROM host_totals").fetchall()
    want = sorted((s, a, u, p or "", i, n, src) for s, a, u, p, i, n, src, _ in expected)
    assert sorted(stored, key=lambda r: tuple(x or "" for x in r)) == sorted(
        want, key=lambda r: tuple(x or "" for x in r))
    assert len(stored) == 12  # Google Translate in two Chrome profiles, uBlock for two users: each counted
    assert extension_classes == [(1,)]
    assert program_installs == [(0,)]  # the machine has no program: its extensions are not programs

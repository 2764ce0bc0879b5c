"""Windows exports through the whole chain: `footprint-agent collect --reg-export` (a real process), the
agent's own transport, a real `footprint serve`, and `footprint summary` / `footprint hosts`.

A Windows XP machine's Uninstall export (programs without DisplayVersion, no ComputerName, no MachineGuid)
and a Russian-locale Windows 11 export were refused whole before the contract fix: both must arrive as two
hosts with every program they list.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from agent.config import Config
from agent.transport import Transport, gzip_report

WINDOWS = Path(__file__).resolve().parents[1] / "agent" / "fixtures" / "windows"
GUARD = 120  # seconds a subprocess may take before the test gives up (not a measurement)


def _agent_collect(exports, output: Path) -> dict:
    args = [arg for path in exports for arg in ("--reg-export", str(path))]
    done = subprocess.run([sys.executable, "-c", "from agent.cli import main; main()", "collect", *args,
                           "--output", str(output)], capture_output=True, text=True, timeout=GUARD)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return json.loads(output.read_text(encoding="utf-8"))


def _footprint(env: dict, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", "from server.cli import main; main()", *args, "-o", "json"],
                          capture_output=True, text=True, timeout=GUARD, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def test_xp_and_russian_windows_exports_are_two_hosts_with_all_their_programs(start_collector, sqlite_url,
                                                                               tmp_path):
    from server.store.credentials import create_token
    from server.store.db import make_engine
    from server.store.migrate import upgrade

    engine = make_engine(sqlite_url)
    upgrade(engine)
    secret = create_token(engine, "enroll", name="windows exports", tags={"site": "buh"}).secret
    admin = create_token(engine, "admin", name="end to end").secret
    engine.dispose()
    collector = start_collector(sqlite_url)

    xp = _agent_collect([WINDOWS / "xp-uninstall.reg"], tmp_path / "xp.json")
    russian = _agent_collect([WINDOWS / "ru-win11-uninstall.reg", WINDOWS / "host-win11.reg"],
                             tmp_path / "ru.json")
    assert "hostname" not in xp["host"] and sum("version" not in i for i in xp["software"]) == 11
    assert russian["host"]["hostname"]

    config = Config(source=str(tmp_path / "agent.toml"), state_dir=str(tmp_path / "state"), timeout=30)
    for report in (xp, russian):
        name = report["host"].get("hostname") or report["host"]["id"]
        agent_tags = {"office": "бухгалтерия", "site": "agent's own"}  # agent.toml [tags]
        enrolled = Transport(config, collector.url).enroll(secret, report["host"]["id"], name, agent_tags)
        answer = Transport(config, collector.url, enrolled["host_key"]).send_report(gzip_report(report))
        assert answer["accepted"] and not answer["duplicate"]

    env = dict(os.environ, FOOTPRINT_SERVER=collector.url, FOOTPRINT_TOKEN=admin,
               FOOTPRINT_CLIENT_CONFIG=str(tmp_path / "no-client-config.toml"))
    summary = _footprint(env, "summary")
    assert summary["hosts"]["reporting"] == 2 and summary["hosts"]["stale"] == 0
    listed = {h["id"]: h for h in _footprint(env, "hosts")["hosts"]}
    assert {h: listed[h]["software_count"] for h in listed} == {
        xp["host"]["id"]: len(xp["software"]), russian["host"]["id"]: len(russian["software"])}
    assert listed[xp["host"]["id"]]["hostname"] == xp["host"]["id"]  # no ComputerName: listed by id
    assert listed[xp["host"]["id"]]["tags"] == {"office": "бухгалтерия", "site": "buh"}  # the secret's wins
    assert listed[russian["host"]["id"]]["hostname"] == russian["host"]["hostname"]
    for report in (xp, russian):  # every program by name and version, as `footprint host` shows it
        shown = _footprint(env, "host", report["host"]["id"])["software"]
        assert sorted((i["name"], i["version"] or "") for i in shown) == sorted(
            (i["name"], i.get("version", "")) for i in report["software"])
    assert len(xp["software"]) == 27 and len(russian["software"]) == 9
    assert {"КриптоПро CSP", "Яндекс Мессенджер"} <= {i["name"] for i in russian["software"]}

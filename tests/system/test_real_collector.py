"""The agent against a real `footprint serve`: enrollment, send, status, an outage, duplicates."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

from agent import config as agent_config
from agent.delivery import run_cycle, spool_for
from agent.transport import gzip_report


def enroll(live_collector, agent_cli):
    result = agent_cli("enroll", "--server", live_collector.url,
                       FOOTPRINT_ENROLL_SECRET=live_collector.secret)
    assert result.returncode == 0, result.stderr
    return result


def test_enroll_send_and_status(live_collector, agent_cli, agent_env):
    enrolled = enroll(live_collector, agent_cli)
    assert f"enrolled with {live_collector.url} as host " in enrolled.stdout
    assert live_collector.secret not in enrolled.stdout + enrolled.stderr
    key_file = Path(agent_env["FOOTPRINT_STATE_DIR"]) / "host-key.json"
    assert key_file.stat().st_mode & 0o777 == 0o600

    sent = agent_cli("send")
    assert sent.returncode == 0, sent.stderr
    report_id = sent.stdout.split("delivered report ")[1].split(";")[0]
    assert live_collector.reports_seen() == [report_id]

    status = json.loads(agent_cli("status", "--json").stdout)
    assert status["collector"] == live_collector.url
    assert status["enrolled"].startswith("yes, host ")
    assert status["last_check_in"] != "never" and status["spooled_reports"] == 0
    assert status["next_run"] != "unknown (service not run yet)"


def test_enroll_force_proves_the_host_with_its_current_key(live_collector, agent_cli, agent_env):
    enroll(live_collector, agent_cli)
    key_file = Path(agent_env["FOOTPRINT_STATE_DIR"]) / "host-key.json"
    first = json.loads(key_file.read_text())
    again = agent_cli("enroll", "--force", "--server", live_collector.url,
                      FOOTPRINT_ENROLL_SECRET=live_collector.secret)
    assert again.returncode == 0, again.stderr
    second = json.loads(key_file.read_text())
    assert second["host_id"] == first["host_id"] and second["host_key"] != first["host_key"]
    key_file.write_text(json.dumps(dict(second, host_key="fph_" + "x" * 43)))  # the key was lost
    refused = agent_cli("enroll", "--force", "--server", live_collector.url,
                        FOOTPRINT_ENROLL_SECRET=live_collector.secret)
    assert refused.returncode == 1 and "409" in refused.stderr
    assert agent_cli("send").returncode != 0  # the lost key is no key
    key_file.write_text(json.dumps(second))
    assert agent_cli("send").returncode == 0  # the real key still works


def test_wrong_secret_is_refused_without_echoing_it(live_collector, agent_cli, agent_env):
    result = agent_cli("enroll", "--server", live_collector.url, "--secret", "fp-not-the-secret-91")
    assert result.returncode == 1
    assert f"{live_collector.url}/api/v1/enroll answered 401" in result.stderr
    assert "fp-not-the-secret-91" not in result.stdout + result.stderr
    assert not (Path(agent_env["FOOTPRINT_STATE_DIR"]) / "host-key.json").exists()


def test_collector_down_then_back_delivers_every_report_once(live_collector, agent_cli, agent_env,
                                                             monkeypatch):
    from agent.inventory import collect
    from agent.report import inventory_hash

    enroll(live_collector, agent_cli)
    monkeypatch.setenv("FOOTPRINT_STATE_DIR", agent_env["FOOTPRINT_STATE_DIR"])
    config = agent_config.load(agent_env["FOOTPRINT_CONFIG"], environ=agent_env)
    machine = collect("/")

    def inventory(removed: int):
        """This machine's real report, as if `removed` packages had been uninstalled since."""
        def make() -> dict:
            report = dict(machine, report_id=str(uuid.uuid4()),
                          software=machine["software"][removed:])
            report["inventory_hash"] = inventory_hash(report)
            return report
        return make

    live_collector.stop()
    no_wait = lambda seconds: False  # noqa: E731 (backoff without sleeping)
    for removed in (1, 2, 3):
        outcome = run_cycle(config, inventory(removed), wait=no_wait)
        assert not outcome.ok and "unreachable" in outcome.message
    spool = spool_for(config)
    spooled = [s.report_id for s in spool.pending()]
    assert len(spooled) == 3

    back = live_collector.restart()
    config.server = back.url
    assert run_cycle(config, inventory(3), wait=no_wait).ok
    assert sorted(back.reports_seen()) == sorted(spooled)
    assert spool.paths() == []

    # A report delivered but not acknowledged (agent killed mid-send) comes again: counted once.
    again = inventory(0)()
    spool.put(again["report_id"], gzip_report(again))
    spool.put(again["report_id"], gzip_report(again))
    assert run_cycle(config, inventory(0), wait=no_wait).ok
    assert sorted(back.reports_seen()) == sorted(spooled + [again["report_id"]])
    assert spool.paths() == [] and os.listdir(spool.directory) == []


def test_collector_certificate_that_does_not_verify_is_refused(tls_live_collector, agent_cli,
                                                               agent_env):
    collector = tls_live_collector
    refused = agent_cli("enroll", "--server", collector.url,
                        FOOTPRINT_ENROLL_SECRET=collector.secret)
    assert refused.returncode == 1
    assert (f"TLS certificate of {collector.url} does not verify against the system's trusted CAs"
            in refused.stderr)
    assert "Traceback" not in refused.stderr and collector.secret not in refused.stderr
    assert not (Path(agent_env["FOOTPRINT_STATE_DIR"]) / "host-key.json").exists()

    Path(agent_env["FOOTPRINT_CONFIG"]).write_text(f'splay = 0\nca_bundle = "{collector.ca}"\n')
    enroll(collector, agent_cli)
    sent = agent_cli("send")
    assert sent.returncode == 0, sent.stderr
    assert len(collector.reports_seen()) == 1

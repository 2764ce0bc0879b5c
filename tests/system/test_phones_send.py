"""`footprint-agent send --phone` against a real `footprint serve`: each phone enrolls as its own host with the
workstation's enrollment secret, keeps its key, and can never take over a host the collector already lists."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from agent import config as agent_config
from agent.transport import Transport, TransportError, gzip_report
from tests.support.phone_tools import IPHONE, SAMSUNG, UNAUTHORISED, FakeTools


@pytest.fixture
def phones(tmp_path, monkeypatch) -> FakeTools:
    return FakeTools(tmp_path, monkeypatch)


def _hosts(database: Path) -> dict:
    with sqlite3.connect(database) as db:
        return {row[0]: row[1:] for row in db.execute("SELECT id, kind, hostname, os_name FROM hosts")}


def _keys(database: Path, host_id: str) -> int:
    with sqlite3.connect(database) as db:
        return db.execute("SELECT count(*) FROM host_keys WHERE host_id = ?", (host_id,)).fetchone()[0]


def test_each_phone_becomes_its_own_host_under_its_own_key(live_collector, agent_cli, agent_env, phones):
    phones.attach([SAMSUNG, UNAUTHORISED], [IPHONE])
    env = {**phones.env(), "FOOTPRINT_SERVER": live_collector.url,
           "FOOTPRINT_ENROLL_SECRET": live_collector.secret}
    sent = agent_cli("send", "--phone", "all", **env)
    assert sent.returncode == 4, sent.stderr  # the unauthorised one is named, the two others delivered
    assert f"android-{SAMSUNG}: report " in sent.stdout and f"ios-{IPHONE}: report " in sent.stdout
    assert f"Android device {UNAUTHORISED} is unauthorized" in sent.stderr
    hosts = _hosts(live_collector.database)
    assert hosts[f"android-{SAMSUNG}"] == ("phone", "SM-S911B", "Android")
    assert hosts[f"ios-{IPHONE}"] == ("phone", "iPhone (Петров А.В.)", "iOS")
    key_file = Path(agent_env["FOOTPRINT_STATE_DIR"]) / "phones" / f"android-{SAMSUNG}" / "host-key.json"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert not (Path(agent_env["FOOTPRINT_STATE_DIR"]) / "host-key.json").exists()  # the workstation's own: untouched
    # a second send uses the stored key: no new enrollment, even without the secret now
    again = agent_cli("send", "--phone", SAMSUNG, **phones.env(), FOOTPRINT_SERVER=live_collector.url)
    assert again.returncode == 0, again.stderr
    assert _keys(live_collector.database, f"android-{SAMSUNG}") == 1


def test_a_phone_cannot_take_over_a_host_the_collector_lists(live_collector, agent_cli, agent_env, phones):
    """Another workstation enrolled this phone first: ours is refused and the host keeps its key and inventory."""
    config = agent_config.load(agent_env["FOOTPRINT_CONFIG"], environ=agent_env)
    first = Transport(config, live_collector.url).enroll(live_collector.secret, f"android-{SAMSUNG}", "theirs")
    before = _hosts(live_collector.database)[f"android-{SAMSUNG}"]
    phones.attach([SAMSUNG])
    sent = agent_cli("send", "--phone", SAMSUNG, **phones.env(), FOOTPRINT_SERVER=live_collector.url,
                     FOOTPRINT_ENROLL_SECRET=live_collector.secret)
    assert sent.returncode == 1
    assert f"phone android-{SAMSUNG} is already a host on {live_collector.url}" in sent.stderr
    assert f"footprint hosts reenroll android-{SAMSUNG}" in sent.stderr and "Traceback" not in sent.stderr
    assert _hosts(live_collector.database)[f"android-{SAMSUNG}"] == before
    assert live_collector.reports_seen() == []
    assert not (Path(agent_env["FOOTPRINT_STATE_DIR"]) / "phones" / f"android-{SAMSUNG}").exists()
    # the first enrollment's key still works, and it is good for that host alone
    theirs = Transport(config, live_collector.url, first["host_key"])
    report = json.loads(agent_cli("collect", "--phone", SAMSUNG, **phones.env()).stdout)
    assert theirs.send_report(gzip_report(report))["accepted"] is True
    other = dict(report, host=dict(report["host"], id="3d1219c7aa0b4c6f8e2d5a7b9c0e1f23"))
    with pytest.raises(TransportError) as refused:
        theirs.send_report(gzip_report(other))
    assert refused.value.status == 403


def test_a_new_phone_without_an_enrollment_secret_is_told_how(live_collector, agent_cli, phones):
    phones.attach(ios=[IPHONE])
    sent = agent_cli("send", "--phone", IPHONE, **phones.env(), FOOTPRINT_SERVER=live_collector.url)
    assert sent.returncode == 1 and f"phone ios-{IPHONE} is not enrolled: set FOOTPRINT_ENROLL_SECRET" in sent.stderr
    assert _hosts(live_collector.database) == {}

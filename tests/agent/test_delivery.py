"""Delivery cycles against a scripted collector: check-in, full reports, outages, spool, rejections."""

from __future__ import annotations

import gzip
import json
import os
import uuid

import pytest

from agent import credentials, runstate
from agent.credentials import Credentials
from agent.delivery import NotEnrolled, ensure_enrolled, next_interval, run_cycle, spool_for


def no_wait(seconds: float) -> bool:
    """Backoff without sleeping: the tests look at what was sent, not at the clock."""
    return False


class Inventory:
    """Produces a fresh report per collect, like the agent does; `hash` is what changed or not."""

    def __init__(self, sample_report: dict) -> None:
        self.sample = sample_report
        self.hash = "1" * 64
        self.made = []

    def __call__(self) -> dict:
        report = dict(self.sample, report_id=str(uuid.uuid4()), inventory_hash=self.hash)
        self.made.append(report["report_id"])
        return report


@pytest.fixture
def enrolled(agent_config, scripted_collector):
    credentials.save(agent_config.state_dir, Credentials(
        scripted_collector.url, "host-7", "key-" + "x" * 39, "2026-11-23T10:00:00Z"))
    return agent_config


def delivered_ids(collector) -> list:
    return [r["body"]["report_id"] for r in collector.requests if r["path"] == "/api/v1/reports"]


def test_full_report_when_the_collector_asks(enrolled, scripted_collector, sample_report):
    inventory = Inventory(sample_report)
    scripted_collector.default = {"full_report": True, "accepted": True, "duplicate": False,
                                  "next_checkin_seconds": 1800}
    outcome = run_cycle(enrolled, inventory, wait=no_wait)
    assert outcome.ok and outcome.next_in == 1800
    assert [r["path"] for r in scripted_collector.requests] == ["/api/v1/checkin", "/api/v1/reports"]
    assert scripted_collector.requests[0]["body"]["host_id"] == "host-7"
    assert delivered_ids(scripted_collector) == inventory.made
    assert spool_for(enrolled).paths() == []
    state = runstate.load(enrolled.state_dir)
    assert state.last_success and state.failures == 0 and state.queued_hash == "1" * 64
    assert state.next_run and state.server == scripted_collector.url


def test_unchanged_inventory_sends_only_the_checkin(enrolled, scripted_collector, sample_report):
    scripted_collector.default = {"full_report": False, "next_checkin_seconds": 3600}
    assert run_cycle(enrolled, Inventory(sample_report), wait=no_wait).ok
    assert [r["path"] for r in scripted_collector.requests] == ["/api/v1/checkin"]


def test_forced_send_goes_out_even_when_unchanged(enrolled, scripted_collector, sample_report):
    scripted_collector.default = {"full_report": False, "accepted": True, "duplicate": False,
                                  "next_checkin_seconds": 3600}
    inventory = Inventory(sample_report)
    assert run_cycle(enrolled, inventory, force_full=True, wait=no_wait).ok
    assert delivered_ids(scripted_collector) == inventory.made


def test_outage_then_recovery_delivers_every_report_once(enrolled, scripted_collector,
                                                         another_collector, sample_report):
    inventory = Inventory(sample_report)
    down_url = scripted_collector.url
    scripted_collector.close()
    enrolled.server = down_url
    first = run_cycle(enrolled, inventory, wait=no_wait)
    assert not first.ok and "unreachable" in first.message and first.next_in >= 10
    run_cycle(enrolled, inventory, wait=no_wait)  # same inventory while down: not spooled twice
    inventory.hash = "2" * 64
    run_cycle(enrolled, inventory, wait=no_wait)  # changed while down: spooled
    assert len(spool_for(enrolled).paths()) == 2
    assert runstate.load(enrolled.state_dir).failures == 3

    back = another_collector
    enrolled.server = back.url
    assert run_cycle(enrolled, inventory, wait=no_wait).ok
    spooled = [inventory.made[0], inventory.made[2]]
    assert delivered_ids(back)[:2] == spooled  # oldest first, before the check-in
    assert [r["path"] for r in back.requests][2] == "/api/v1/checkin"
    assert len(delivered_ids(back)) == len(set(delivered_ids(back)))
    assert spool_for(enrolled).paths() == []
    assert runstate.load(enrolled.state_dir).failures == 0


def test_overloaded_collector_is_retried_with_its_hint(enrolled, scripted_collector, sample_report):
    scripted_collector.answers = [(429, {"Retry-After": "240"}, {"error": "rate_limited"})] * 3
    inventory = Inventory(sample_report)
    outcome = run_cycle(enrolled, inventory, wait=no_wait)
    assert not outcome.ok and outcome.next_in >= 240
    assert len(spool_for(enrolled).paths()) == 1
    assert run_cycle(enrolled, inventory, wait=no_wait).ok  # answers 200 again
    assert delivered_ids(scripted_collector) == inventory.made


class Clock:
    """The cycles' clock, moved by the test: a report's retry backoff is measured on it."""

    def __init__(self) -> None:
        self.now = 1_790_000_000.0

    def __call__(self) -> float:
        return self.now


CHECKIN_FULL = (200, {}, {"full_report": True, "next_checkin_seconds": 3600})
SERVER_ERROR = (500, {}, {"error": "internal", "detail": "unexpected error"})
ACCEPTED = (200, {}, {"accepted": True, "duplicate": False, "next_checkin_seconds": 3600})


def test_server_error_during_report_keeps_it_spooled(enrolled, scripted_collector, sample_report):
    scripted_collector.answers = [CHECKIN_FULL] + [SERVER_ERROR] * 3
    inventory, clock = Inventory(sample_report), Clock()
    outcome = run_cycle(enrolled, inventory, wait=no_wait, clock=clock)
    assert not outcome.ok and "stays spooled and is retried later" in outcome.message
    [path] = spool_for(enrolled).paths()
    with open(path, "rb") as handle:
        assert json.loads(gzip.decompress(handle.read()))["report_id"] == inventory.made[0]
    clock.now += 20  # before its retry is due: the new report goes, the failed one waits
    assert run_cycle(enrolled, inventory, wait=no_wait, clock=clock).ok
    assert delivered_ids(scripted_collector)[-1] == inventory.made[1]
    assert len(spool_for(enrolled).paths()) == 1
    clock.now += 120  # due now
    assert run_cycle(enrolled, inventory, wait=no_wait, clock=clock).ok
    assert delivered_ids(scripted_collector)[-2] == inventory.made[0]
    assert spool_for(enrolled).paths() == []
    assert runstate.load(enrolled.state_dir).report_retries == {}


def test_a_report_the_collector_fails_on_never_blocks_the_spool(enrolled, scripted_collector,
                                                                sample_report):
    """The oldest spooled report gets 500s: the ones after it are delivered, the check-in goes on, and
    the failing one is retried only after its own backoff, which doubles with each failure."""
    from agent.transport import gzip_report

    spool = spool_for(enrolled)
    spooled = [dict(sample_report, report_id=str(uuid.uuid4())) for _ in range(3)]
    for report in spooled:
        spool.put(report["report_id"], gzip_report(report))
    scripted_collector.answers = [SERVER_ERROR] * 3 + [ACCEPTED, ACCEPTED, CHECKIN_FULL, ACCEPTED]
    inventory, clock = Inventory(sample_report), Clock()
    assert run_cycle(enrolled, inventory, wait=no_wait, clock=clock).ok
    paths = [r["path"] for r in scripted_collector.requests]
    assert paths == ["/api/v1/reports"] * 5 + ["/api/v1/checkin", "/api/v1/reports"]
    assert delivered_ids(scripted_collector)[3:] == [spooled[1]["report_id"], spooled[2]["report_id"],
                                                     inventory.made[0]]
    [waiting] = spool.paths()
    retries = runstate.load(enrolled.state_dir).report_retries
    assert list(retries) == [os.path.basename(waiting)]
    failures, first_due = retries[os.path.basename(waiting)]
    assert failures == 1 and clock.now + 30 <= first_due <= clock.now + 60

    scripted_collector.answers = [(200, {}, {"full_report": False, "next_checkin_seconds": 3600})]
    clock.now += 10  # not due: only the check-in
    before = len(scripted_collector.requests)
    assert run_cycle(enrolled, inventory, wait=no_wait, clock=clock).ok
    assert [r["path"] for r in scripted_collector.requests[before:]] == ["/api/v1/checkin"]

    clock.now = first_due  # due, fails again: the next wait doubles
    scripted_collector.answers = [SERVER_ERROR] * 3
    assert run_cycle(enrolled, inventory, wait=no_wait, clock=clock).ok
    failures, second_due = runstate.load(enrolled.state_dir).report_retries[os.path.basename(waiting)]
    assert failures == 2 and clock.now + 60 <= second_due <= clock.now + 120

    clock.now = second_due  # the collector is fixed: the old report first, then this cycle's
    assert run_cycle(enrolled, inventory, wait=no_wait, clock=clock).ok
    assert delivered_ids(scripted_collector)[-2:] == [spooled[0]["report_id"], inventory.made[-1]]
    assert spool.paths() == [] and runstate.load(enrolled.state_dir).report_retries == {}


def test_a_busy_collector_stops_the_round_instead(enrolled, scripted_collector, sample_report):
    """503 and 429 are about the collector, not the report: nothing more is sent this cycle."""
    from agent.transport import gzip_report

    spool = spool_for(enrolled)
    for _ in range(2):
        report = dict(sample_report, report_id=str(uuid.uuid4()))
        spool.put(report["report_id"], gzip_report(report))
    scripted_collector.answers = [(503, {"Retry-After": "120"}, {"error": "unavailable"})] * 3
    outcome = run_cycle(enrolled, Inventory(sample_report), wait=no_wait, clock=Clock())
    assert not outcome.ok and outcome.next_in >= 120
    assert [r["path"] for r in scripted_collector.requests] == ["/api/v1/reports"] * 3
    assert runstate.load(enrolled.state_dir).report_retries == {}


def test_rejected_report_is_set_aside_not_resent(enrolled, scripted_collector, sample_report):
    checkin_ok = (200, {}, {"full_report": True, "next_checkin_seconds": 3600})
    scripted_collector.answers = [checkin_ok, (422, {}, {"error": "invalid_report",
                                                         "detail": "software: too many items"})]
    outcome = run_cycle(enrolled, Inventory(sample_report), wait=no_wait)
    assert not outcome.ok and "rejected" in outcome.message
    spool = spool_for(enrolled)
    assert spool.paths() == [] and spool.count_set_aside() == 1


def test_corrupted_spool_file_is_set_aside_and_the_rest_delivered(enrolled, scripted_collector,
                                                                  sample_report):
    from agent.transport import gzip_report

    spool = spool_for(enrolled)
    good = dict(sample_report, report_id=str(uuid.uuid4()))
    bad_path = spool.put(str(uuid.uuid4()), gzip_report(sample_report))
    spool.put(good["report_id"], gzip_report(good))
    with open(bad_path, "r+b") as handle:
        handle.truncate(20)
    scripted_collector.default = {"full_report": False, "accepted": True, "duplicate": False,
                                  "next_checkin_seconds": 3600}
    assert run_cycle(enrolled, Inventory(sample_report), wait=no_wait).ok
    assert delivered_ids(scripted_collector) == [good["report_id"]]
    assert os.path.exists(bad_path + ".bad") and spool.paths() == []


def test_revoked_key_is_reported_and_the_report_kept(enrolled, scripted_collector, sample_report):
    scripted_collector.answers = [(401, {}, {"error": "unauthorized", "detail": "host key revoked"})]
    outcome = run_cycle(enrolled, Inventory(sample_report), wait=no_wait)
    assert not outcome.ok and "401: unauthorized - host key revoked" in outcome.message
    assert len(spool_for(enrolled).paths()) == 1
    assert runstate.load(enrolled.state_dir).last_error == outcome.message


def test_not_enrolled_says_how_to_enroll(agent_config, monkeypatch):
    monkeypatch.delenv("FOOTPRINT_SERVER", raising=False)
    monkeypatch.delenv("FOOTPRINT_ENROLL_SECRET", raising=False)
    with pytest.raises(NotEnrolled, match="footprint-agent enroll --server URL --secret SECRET"):
        ensure_enrolled(agent_config)


def test_interval_from_config_or_collector(agent_config):
    assert next_interval(agent_config, {"next_checkin_seconds": 900}) == 900
    assert next_interval(agent_config, {"next_checkin_seconds": 1}) == 10
    assert 3240 <= next_interval(agent_config, {}) <= 3960
    agent_config.interval = 600
    assert 540 <= next_interval(agent_config, {"next_checkin_seconds": 900}) <= 660


def test_a_full_disk_never_crashes_the_cycle(full_disk, scripted_collector, sample_report, caplog):
    """ENOSPC on a real full file system: the report goes out unspooled, state.json keeps its last
    content, each with a warning; the cycle returns normally."""
    from agent.config import Config

    config = Config(source=str(full_disk.path / "agent.toml"), state_dir=str(full_disk.path / "state"),
                    timeout=5)
    credentials.save(config.state_dir, Credentials(
        scripted_collector.url, "host-7", "key-" + "x" * 39, "2026-11-23T10:00:00Z"))
    runstate.save(config.state_dir, runstate.RunState(last_success="2026-11-23T10:00:00Z"))
    full_disk.fill()
    inventory = Inventory(sample_report)
    outcome = run_cycle(config, inventory, wait=no_wait, clock=Clock())
    assert outcome.ok
    assert delivered_ids(scripted_collector) == inventory.made
    assert runstate.load(config.state_dir).last_success == "2026-11-23T10:00:00Z"
    assert any("disk full" in m for m in caplog.messages)
    assert any("cannot save" in m and "No space left on device" in m for m in caplog.messages)


def test_enrolling_on_a_full_disk_says_so(full_disk, scripted_collector, sample_report, monkeypatch):
    from agent.config import Config

    config = Config(source=str(full_disk.path / "agent.toml"), state_dir=str(full_disk.path / "state"),
                    timeout=5)
    monkeypatch.setenv("FOOTPRINT_SERVER", scripted_collector.url)
    monkeypatch.setenv("FOOTPRINT_ENROLL_SECRET", "enroll-secret")
    scripted_collector.answers = [(201, {}, {"host_id": "host-7", "host_key": "k" * 43,
                                             "next_checkin_seconds": 3600})]
    full_disk.fill()
    outcome = run_cycle(config, Inventory(sample_report), wait=no_wait, clock=Clock())
    assert not outcome.ok
    assert outcome.message.endswith("cannot store the host key in "
                                    f"{config.state_dir}/host-key.json: No space left on device")

"""One delivery cycle and enrollment: the agent side of docs/protocol.md.

A cycle delivers what is spooled (oldest first), checks in with the inventory hash, and sends a full
report when the collector asks for it. Every report goes through the spool before it is sent, so a
failure or a stop at any point leaves it there for the next cycle, and the collector (idempotent by
report_id) counts it once.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

from agent import credentials, environment, runstate
from agent.config import Config
from agent.credentials import Credentials
from agent.spool import Spool
from agent.transport import Backoff, Transport, TransportError, gzip_report

log = logging.getLogger("footprint.delivery")

DEFAULT_INTERVAL = 3600
MIN_INTERVAL = 10
REJECTED_FOR_GOOD = (400, 403, 413, 415, 422)
# The collector as a whole is busy or down: stop this round and back off the whole cycle.
COLLECTOR_BUSY = (429, 503)
# A report the collector failed on (another 5xx) waits this long before its next try, doubling.
REPORT_RETRY_BASE = 60.0
REPORT_RETRY_CAP = 6 * 3600.0


class NotEnrolled(Exception):
    """The agent has no host key and no preseed to get one."""


@dataclass
class Outcome:
    """How a cycle ended and when the next one should start."""

    ok: bool
    next_in: float
    message: str = ""
    report_id: Optional[str] = None


def spool_for(config: Config) -> Spool:
    return Spool(os.path.join(config.state_dir, "spool"), config.spool_max_reports,
                 config.spool_max_bytes)


def enroll(config: Config, server: str, secret: str, force: bool = False,
           wait: Optional[Callable[[float], bool]] = None) -> Credentials:
    """Exchange an enrollment secret for this host's key and store it (0600)."""
    existing = credentials.load(config.state_dir)
    if existing and not force:
        return existing
    from agent.host import collect_host

    host = collect_host("/")[0]
    hostname = host.get("hostname") or socket.gethostname()
    same = existing and existing.host_id == host["id"] and existing.server == server.rstrip("/")
    answer = Transport(config, server, wait=wait).enroll(
        secret, host["id"], hostname, config.tags, host_key=existing.host_key if same else None)
    try:
        enrolled = Credentials(server=server.rstrip("/"), host_id=str(answer["host_id"]),
                               host_key=str(answer["host_key"]), enrolled_at=runstate.rfc3339())
    except KeyError as missing:
        raise TransportError(f"{server} answered the enrollment without {missing}",
                             retryable=False) from None
    credentials.save(config.state_dir, enrolled)
    log.info("enrolled with %s as host %s", enrolled.server, enrolled.host_id)
    return enrolled


def ensure_enrolled(config: Config, wait: Optional[Callable[[float], bool]] = None) -> Credentials:
    """The stored host key, or a new one from FOOTPRINT_SERVER/FOOTPRINT_ENROLL_SECRET/enroll.env."""
    stored = credentials.load(config.state_dir)
    if stored:
        return stored
    preseed_dir = os.path.dirname(config.source)
    preseed = credentials.enroll_preseed(preseed_dir, os.environ)
    server = config.server or preseed.get(environment.SERVER)
    secret = preseed.get(environment.ENROLL_SECRET)
    if not (server and secret):
        raise NotEnrolled("this host is not enrolled: run `footprint-agent enroll --server URL "
                          "--secret SECRET`, or set FOOTPRINT_SERVER and FOOTPRINT_ENROLL_SECRET "
                          f"in the environment or in {os.path.join(preseed_dir, 'enroll.env')}")
    return enroll(config, server, secret, wait=wait)


@dataclass
class Delivery:
    """What one pass over the spool did, by report id."""

    delivered: List[str] = field(default_factory=list)
    rejected: List[str] = field(default_factory=list)  # refused for good: set aside
    failed: Dict[str, str] = field(default_factory=dict)  # the collector failed on it (5xx): why
    waiting: List[str] = field(default_factory=list)  # failed before; its next try is not due


def run_cycle(config: Config, collect: Callable[[], Dict[str, Any]], force_full: bool = False,
              wait: Optional[Callable[[float], bool]] = None,
              clock: Callable[[], float] = time.time) -> Outcome:
    """Collect, deliver the spool, check in, send a full report when asked (or when forced)."""
    state = runstate.load(config.state_dir)
    state.last_attempt = runstate.rfc3339()
    spool = spool_for(config)
    spool.clean_temporaries()
    report: Optional[Dict[str, Any]] = None
    spooled = False
    try:
        enrolled = ensure_enrolled(config, wait)
        state.server = config.server or enrolled.server
        report = collect()
        transport = Transport(config, state.server, enrolled.host_key, wait=wait)
        deliver_spool(spool, transport, state.report_retries, clock())
        answer = transport.checkin(enrolled.host_id, report["inventory_hash"])
        if answer.get("full_report") or force_full:
            body = gzip_report(report)
            spooled = spool.put(report["report_id"], body) is not None
            if not spooled:  # disk full: send it straight away rather than not at all
                answer = transport.send_report(body)
            else:
                _check_sent(report["report_id"],
                            deliver_spool(spool, transport, state.report_retries, clock()))
        state.queued_hash = report["inventory_hash"]
        state.failures, state.last_error = 0, None
        state.last_success = runstate.rfc3339()
        outcome = Outcome(True, next_interval(config, answer), report_id=report["report_id"])
    except (TransportError, NotEnrolled, ValueError) as error:
        if report is not None and not spooled and report["inventory_hash"] != state.queued_hash:
            spooled = spool.put(report["report_id"], gzip_report(report)) is not None
        if spooled:
            state.queued_hash = report["inventory_hash"]
        state.failures += 1
        state.last_error = str(error)
        retry_after = getattr(error, "retry_after", None)
        delay = Backoff(base=60.0, cap=config.interval or DEFAULT_INTERVAL).delay(
            state.failures - 1, retry_after)
        outcome = Outcome(False, max(delay, MIN_INTERVAL), str(error),
                          report["report_id"] if report else None)
        log.error("%s (next try in %d s; %d report(s) spooled)", error, outcome.next_in,
                  len(spool.paths()))
    state.next_run = runstate.rfc3339(outcome.next_in)
    runstate.save(config.state_dir, state)
    return outcome


def _check_sent(report_id: str, delivery: Delivery) -> None:
    """The cycle fails when its own report did not get through (it stays spooled unless refused)."""
    if report_id in delivery.rejected:
        raise TransportError(f"the collector rejected report {report_id}", retryable=False)
    if report_id in delivery.failed:
        raise TransportError(f"{delivery.failed[report_id]} (report {report_id} stays spooled "
                             "and is retried later)", retryable=True)


def deliver_spool(spool: Spool, transport: Transport,
                  retries: Optional[Dict[str, List[float]]] = None,
                  now: Optional[float] = None) -> Delivery:
    """Send spooled reports oldest first; one report never holds up the others.

    Refused for good (4xx): set aside. The collector failed on it (5xx): it waits for its own next
    try in `retries` (spool file name -> [failures, not before]), doubling from a minute up to six
    hours, and the rest go on. Unreachable, busy (429/503) or a bad key: the round stops (raised).
    """
    retries = {} if retries is None else retries
    now = time.time() if now is None else now
    done = Delivery()
    present = set()
    for spooled in spool.pending():
        name = os.path.basename(spooled.path)
        present.add(name)
        failures, not_before = retries.get(name, (0, 0.0))
        if now < not_before:
            done.waiting.append(spooled.report_id)
            continue
        try:
            answer = transport.send_report(spooled.body)
        except TransportError as error:
            if error.status in REJECTED_FOR_GOOD:
                spool.set_aside(spooled.path, f"the collector rejected it: {error}")
                done.rejected.append(spooled.report_id)
                retries.pop(name, None)
                continue
            if error.status is None or error.status < 500 or error.status in COLLECTOR_BUSY:
                raise
            delay = min(REPORT_RETRY_CAP, REPORT_RETRY_BASE * 2 ** failures)
            retries[name] = [failures + 1, now + delay * random.uniform(0.5, 1.0)]
            done.failed[spooled.report_id] = str(error)
            log.warning("%s: report %s stays spooled, next try in about %d s; the others go on",
                        error, spooled.report_id, delay)
            continue
        spool.remove(spooled)
        retries.pop(name, None)
        done.delivered.append(spooled.report_id)
        log.debug("report %s delivered%s", spooled.report_id,
                  " (already received)" if answer.get("duplicate") else "")
    for name in [n for n in retries if n not in present]:
        del retries[name]  # delivered, set aside or dropped by the spool's bounds
    return done


def next_interval(config: Config, answer: Dict[str, Any]) -> float:
    """agent.toml's interval (±10% jitter) wins; else the collector's (already jittered) value."""
    if config.interval:
        return config.interval * random.uniform(0.9, 1.1)
    seconds = answer.get("next_checkin_seconds")
    if isinstance(seconds, (int, float)) and not isinstance(seconds, bool):
        return float(min(max(seconds, MIN_INTERVAL), 7 * 86400))
    return DEFAULT_INTERVAL * random.uniform(0.9, 1.1)

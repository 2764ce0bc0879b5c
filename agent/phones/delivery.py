"""`send --phone`: a phone's report delivered as its own host, under its own key.

The phone enrolls like any agent, through the collector's ordinary enrollment with the workstation's
enrollment secret, under its own id (`android-<serial>`, `ios-<UDID>`: never a computer's id). The collector
gives an id already listed only to whoever proves it (that host's current key, or an administrator's
`footprint hosts reenroll` secret), so a phone can never take over a computer, nor another workstation's phone.
Each phone's key is kept 0600 in the state directory, phones/<host id>/host-key.json, and a later send of
that phone from this workstation uses it. Reports are not spooled: the workstation's own spool goes out under
its own key, which the collector refuses for another host.
"""

from __future__ import annotations

import os
import socket
from typing import Optional

from agent import credentials, environment, runstate
from agent.config import Config
from agent.credentials import Credentials
from agent.phones.tools import PhoneError
from agent.transport import Transport, TransportError, gzip_report

PHONES_DIR = "phones"


def key_dir(config: Config, host_id: str) -> str:
    return os.path.join(config.state_dir, PHONES_DIR, host_id)


def collector(config: Config) -> str:
    """The collector this workstation reports to: agent.toml, the preseed, or its own enrollment."""
    preseed = credentials.enroll_preseed(os.path.dirname(config.source), os.environ)
    own = credentials.load(config.state_dir)
    server = config.server or preseed.get(environment.SERVER) or (own.server if own else "")
    if not server:
        raise PhoneError("no collector: set server in agent.toml or FOOTPRINT_SERVER (or enroll this workstation)")
    return server.rstrip("/")


def phone_key(config: Config, server: str, report: dict) -> Credentials:
    """The phone's stored key for this collector, else a new one from the enrollment secret."""
    host_id = report["host"]["id"]
    stored = credentials.load(key_dir(config, host_id))
    if stored and stored.server == server and stored.host_id == host_id:
        return stored
    preseed = credentials.enroll_preseed(os.path.dirname(config.source), os.environ)
    secret = preseed.get(environment.ENROLL_SECRET)
    if not secret:
        raise PhoneError(f"phone {host_id} is not enrolled: set FOOTPRINT_ENROLL_SECRET (or enroll.env beside "
                         "agent.toml) to an enrollment secret, which enrolls each new phone as its own host")
    tags = {**config.tags, "collected_by": socket.gethostname()[:255]}
    try:
        answer = Transport(config, server).enroll(secret, host_id, report["host"].get("hostname") or host_id, tags)
    except TransportError as error:
        if error.status == 409:
            raise PhoneError(f"phone {host_id} is already a host on {server} (enrolled from another workstation, "
                             f"or imported): an administrator runs `footprint hosts reenroll {host_id}` and "
                             "that secret goes in FOOTPRINT_ENROLL_SECRET; nothing was overwritten") from None
        raise PhoneError(f"phone {host_id}: enrollment failed: {error}") from None
    enrolled = Credentials(server=server, host_id=str(answer.get("host_id", host_id)),
                           host_key=str(answer.get("host_key", "")), enrolled_at=runstate.rfc3339())
    if enrolled.host_id != host_id or not enrolled.host_key:
        raise PhoneError(f"{server} answered the enrollment of {host_id} without its key")
    try:
        credentials.save(key_dir(config, host_id), enrolled)
    except ValueError as error:
        raise PhoneError(str(error)) from None
    return enrolled


def send(config: Config, report: dict, server: Optional[str] = None) -> str:
    """Deliver one phone's report; returns the collector's word on it ("delivered" or "already had it")."""
    server = server or collector(config)
    enrolled = phone_key(config, server, report)
    try:
        answer = Transport(config, server, enrolled.host_key).send_report(gzip_report(report))
    except TransportError as error:
        hint = (f" (its key was revoked: delete {key_dir(config, enrolled.host_id)} to enroll it again)"
                if error.status == 401 else "")
        raise PhoneError(f"phone {enrolled.host_id}: {error}{hint}") from None
    return "already had it" if answer.get("duplicate") else "delivered"

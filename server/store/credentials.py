"""Credentials: enrolling and registering hosts, their keys; finding, creating, listing and revoking tokens."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Dict, List, Optional, Tuple

from sqlalchemy import Connection, Engine, or_, select, update

from server.auth import hash_secret, new_secret
from server.store import aggregates
from server.store.db import as_utc, utcnow, write_transaction
from server.store.tables import host_keys, host_tags, hosts, tokens
from server.store.upsert import insert_for, upsert


class HostRemoved(Exception):
    """Enrollment of a host id an admin removed; `hosts remove --purge` makes it possible again."""


@dataclass
class NewToken:
    id: int
    secret: str


def token_problem(kind: str, read_only: bool, tags: Optional[Dict[str, str]]) -> Optional[str]:
    """Why a token cannot be made as asked (the CLI and the API refuse alike), or None."""
    if read_only and kind != "admin":
        return "only admin tokens can be read-only"
    if tags and kind != "enroll":
        return "tags apply to enrolled hosts: enroll tokens only"
    return None


def create_token(
    engine: Engine,
    kind: str,
    name: Optional[str] = None,
    read_only: bool = False,
    expires_at: Optional[datetime] = None,
    tags: Optional[Dict[str, str]] = None,
) -> NewToken:
    """A new enroll or admin token; its secret is returned once and stored only hashed."""
    secret = new_secret(kind)
    row = {
        "kind": kind,
        "token_hash": hash_secret(secret),
        "name": name,
        "read_only": read_only,
        "tags": json.dumps(tags or {}, ensure_ascii=False, sort_keys=True),
        "created_at": utcnow(),
        "expires_at": expires_at,
    }
    with write_transaction(engine) as conn:
        token_id = conn.execute(tokens.insert().values(**row).returning(tokens.c.id)).scalar_one()
    return NewToken(token_id, secret)


def revoke_token(engine: Engine, token_id: int) -> bool:
    """Revoke an enroll or admin token at once; False when there is no such live token."""
    with write_transaction(engine) as conn:
        result = conn.execute(
            update(tokens)
            .where(tokens.c.id == token_id, tokens.c.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    return result.rowcount > 0


def revoke_host_keys(engine: Engine, host_id: str) -> int:
    """Lock a host's agent out without removing the host: it must enroll again."""
    with write_transaction(engine) as conn:
        return _revoke_keys(conn, host_id, utcnow())


def _revoke_keys(conn, host_id: str, now: datetime) -> int:
    return conn.execute(
        update(host_keys)
        .where(host_keys.c.host_id == host_id, host_keys.c.revoked_at.is_(None))
        .values(revoked_at=now)
    ).rowcount


class HostExists(Exception):
    """Enrollment of a host id already enrolled, without its current key or an admin's allowance."""


class WrongHost(Exception):
    """A re-enrollment allowance presented for another host than the one it was issued for."""


def enroll_host(
    engine: Engine,
    token,
    host_id: str,
    hostname: str,
    tags: Optional[Dict[str, str]] = None,
    current_key: Optional[str] = None,
) -> str:
    """Register a new host, or re-register one that proves it may; returns its new key.

    A host id already enrolled is taken over only with that host's current key (a reinstalled
    agent that kept it) or under a `reenroll` allowance issued for it (used once, here); anything
    else raises HostExists and leaves the host, its keys and inventory untouched. A re-enrollment
    revokes the host's earlier keys, so one machine has one working key. `tags` are the agent's own
    (agent.toml); the token's tags, set by an administrator, win over them.
    """
    key = new_secret("host")
    now = utcnow()
    with write_transaction(engine) as conn:
        if token.kind == "reenroll" and token.host_id != host_id:
            raise WrongHost(host_id)
        if not add_host(conn, host_id, hostname, now):
            if not _proves_identity(conn, token, host_id, current_key, now):
                raise HostExists(host_id)  # listed already, or enrolled a moment ago by a concurrent request
            conn.execute(update(hosts).where(hosts.c.id == host_id).values(last_seen=now))
        _revoke_keys(conn, host_id, now)
        conn.execute(
            host_keys.insert().values(
                host_id=host_id, key_hash=hash_secret(key), token_id=token.id, created_at=now
            )
        )
        set_host_tags(conn, host_id, {**(tags or {}), **json.loads(token.tags or "{}")})
    return key


def add_host(conn: Connection, host_id: str, hostname: str, now: datetime) -> bool:
    """Create the host's row unless it is listed (then lock it); True when created here.

    Enrollment and `footprint import` both register hosts through it; HostRemoved for a host an admin removed.
    """
    existing = conn.execute(_locked(conn, select(hosts.c.revoked).where(hosts.c.id == host_id))).first()
    if existing is not None and existing.revoked:
        raise HostRemoved(host_id)
    if existing is not None:
        return False
    stmt = insert_for(conn, hosts).on_conflict_do_nothing(index_elements=["id"])
    row = {"id": host_id, "hostname": hostname, "first_seen": now, "last_seen": now}
    return conn.execute(stmt.returning(hosts.c.id), row).first() is not None


def set_host_tags(conn: Connection, host_id: str, tags: Dict[str, str]) -> None:
    """Set these tags on the host (others it has are kept)."""
    rows = [{"host_id": host_id, "key": k, "value": v} for k, v in tags.items()]
    upsert(conn, host_tags, rows, keys=["host_id", "key"], update=["value"])


def host_of_key(engine: Engine, key: str) -> Optional[str]:
    """The host a live key belongs to; None for an unknown or revoked key or a removed host."""
    query = (
        select(host_keys.c.host_id)
        .join(hosts, hosts.c.id == host_keys.c.host_id)
        .where(
            host_keys.c.key_hash == hash_secret(key),
            host_keys.c.revoked_at.is_(None),
            hosts.c.revoked.is_(False),
        )
    )
    with engine.connect() as conn:
        return conn.execute(query).scalar()


def find_token(engine: Engine, secret: str, kinds: Tuple[str, ...], now: datetime):
    """The live (not revoked, not expired) token of one of `kinds` matching `secret`, or None."""
    query = select(tokens).where(
        tokens.c.token_hash == hash_secret(secret),
        tokens.c.kind.in_(kinds),
        tokens.c.revoked_at.is_(None),
        or_(tokens.c.expires_at.is_(None), tokens.c.expires_at > now),
    )
    with engine.connect() as conn:
        return conn.execute(query).first()


def _locked(conn, query):
    return query.with_for_update() if conn.dialect.name == "postgresql" else query


def _proves_identity(conn, token, host_id: str, current_key: Optional[str], now: datetime) -> bool:
    """The host's live key was sent, or `token` is an unused allowance for it (consumed now)."""
    if current_key is not None:
        live = conn.execute(
            select(host_keys.c.id).where(
                host_keys.c.host_id == host_id,
                host_keys.c.key_hash == hash_secret(current_key),
                host_keys.c.revoked_at.is_(None),
            )
        ).first()
        if live is not None:
            return True
    if token.kind != "reenroll":
        return False
    used = conn.execute(
        update(tokens)
        .where(tokens.c.id == token.id, tokens.c.used_at.is_(None), tokens.c.revoked_at.is_(None))
        .values(used_at=now, revoked_at=now)
    )
    return used.rowcount == 1


def allow_reenroll(
    engine: Engine, host_id: str, valid_for: timedelta, issued_by: Optional[int] = None
) -> Optional[Tuple[NewToken, datetime]]:
    """A one-time secret that lets `host_id` enroll again (a reinstalled machine without its key).

    Stored hashed, expiring after `valid_for`, used once; None when the host is not listed.
    """
    now = utcnow()
    secret = new_secret("reenroll")
    with write_transaction(engine) as conn:
        listed = conn.execute(
            select(hosts.c.id).where(hosts.c.id == host_id, hosts.c.revoked.is_(False))
        ).first()
        if listed is None:
            return None
        row = {
            "kind": "reenroll",
            "token_hash": hash_secret(secret),
            "name": f"reenroll {host_id}"[:255],
            "tags": "{}",
            "created_at": now,
            "expires_at": now + valid_for,
            "host_id": host_id,
            "created_by": issued_by,
        }
        token_id = conn.execute(tokens.insert().values(**row).returning(tokens.c.id)).scalar_one()
    return NewToken(token_id, secret), now + valid_for


def remove_host(engine: Engine, host_id: str, purge: bool = False) -> bool:
    """Lock a host out at once and drop it from every list; `purge` deletes it and its history."""
    with write_transaction(engine) as conn:
        if purge:
            aggregates.forget_host(conn, host_id)
            return conn.execute(hosts.delete().where(hosts.c.id == host_id)).rowcount > 0
        found = conn.execute(
            update(hosts).where(hosts.c.id == host_id).values(revoked=True)
        ).rowcount
        _revoke_keys(conn, host_id, utcnow())
    return found > 0


def list_tokens(engine: Engine) -> List[dict]:
    """Tokens without their hashes, newest first."""
    columns = [c for c in tokens.c if c.name != "token_hash"]
    with engine.connect() as conn:
        rows = conn.execute(select(*columns).order_by(tokens.c.id.desc()))
        return [
            {k: as_utc(v) if isinstance(v, datetime) else v for k, v in r._mapping.items()}
            for r in rows
        ]

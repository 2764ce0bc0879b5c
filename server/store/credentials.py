"""Credentials: enrolling hosts, creating, listing and revoking tokens, removing hosts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Dict, List, Optional

from sqlalchemy import Engine, select, update

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


def enroll_host(
    engine: Engine, token, host_id: str, hostname: str, tags: Optional[Dict[str, str]] = None
) -> str:
    """Register (or re-register) a host under an enrollment token; returns its new key.

    A re-enrollment revokes the host's earlier keys, so one machine has one working key. `tags` are
    the agent's own (agent.toml); the token's tags, set by an administrator, win over them.
    """
    key = new_secret("host")
    now = utcnow()
    with write_transaction(engine) as conn:
        existing = conn.execute(select(hosts.c.revoked).where(hosts.c.id == host_id)).first()
        if existing is not None and existing.revoked:
            raise HostRemoved(host_id)
        if existing is None:
            stmt = insert_for(conn, hosts).on_conflict_do_nothing(index_elements=["id"])
            conn.execute(
                stmt, {"id": host_id, "hostname": hostname, "first_seen": now, "last_seen": now}
            )
        else:
            conn.execute(update(hosts).where(hosts.c.id == host_id).values(last_seen=now))
        _revoke_keys(conn, host_id, now)
        conn.execute(
            host_keys.insert().values(
                host_id=host_id, key_hash=hash_secret(key), token_id=token.id, created_at=now
            )
        )
        merged = {**(tags or {}), **json.loads(token.tags or "{}")}
        rows = [{"host_id": host_id, "key": k, "value": v} for k, v in merged.items()]
        upsert(conn, host_tags, rows, keys=["host_id", "key"], update=["value"])
    return key


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

"""Server-side commands, acting on the database directly: `serve`, `db upgrade`, `tokens …`."""

from __future__ import annotations

import json
import os
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import List, Optional

import typer

from server.cli.options import DataDirOption, DbOption, OutputOption
from server.cli.remote.client import fail
from server.render import OutputFormat, render

db_app = typer.Typer(help="The collector's database.", no_args_is_help=True)
tokens_app = typer.Typer(help="Enrollment secrets and admin tokens.", no_args_is_help=True)


def _settings(db: Optional[str], data_dir: Optional[str], **kw):
    from server.settings import Settings
    from server.store.db import DatabaseUrlError

    try:
        return Settings.from_options(db, data_dir, **kw)
    except DatabaseUrlError as exc:
        raise fail(str(exc)) from None


def open_database(db: Optional[str], data_dir: Optional[str], migrate_embedded: bool = True):
    """An engine at head: the embedded default upgrades itself, anything else must be migrated."""
    from sqlalchemy.exc import OperationalError

    from server.store import migrate
    from server.store.db import make_engine

    settings = _settings(db, data_dir)
    engine = make_engine(settings.db_url)
    try:
        if settings.embedded and migrate_embedded:
            migrate.upgrade(engine)
        migrate.check_migrated(engine)
    except migrate.NotMigratedError as exc:
        raise fail(str(exc)) from None
    except OperationalError as exc:
        raise fail(f"cannot open the database: {exc.orig}") from None
    return engine, settings


@db_app.command("upgrade")
def db_upgrade(db: Optional[str] = DbOption, data_dir: Optional[str] = DataDirOption) -> None:
    """Create or migrate the schema to this version of Footprint."""
    from sqlalchemy.exc import OperationalError

    from server.store import migrate
    from server.store.db import make_engine

    engine = make_engine(_settings(db, data_dir).db_url)
    try:
        before = migrate.current_revision(engine)
        migrate.upgrade(engine)
    except OperationalError as exc:
        raise fail(f"cannot open the database: {exc.orig}") from None
    after = migrate.head_revision()
    typer.echo(f"database at revision {after}" + ("" if before == after else f" (was {before})"))


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (0.0.0.0: all)."),
    port: int = typer.Option(8000, min=0, max=65535),
    workers: int = typer.Option(1, min=1, help="Worker processes."),
    tls_cert: Optional[Path] = typer.Option(None, exists=True, dir_okay=False),
    tls_key: Optional[Path] = typer.Option(None, exists=True, dir_okay=False),
    checkin_interval: int = typer.Option(3600, min=10, help="Seconds between agent check-ins (±10 % jitter)."),
    metrics_public: bool = typer.Option(
        False, "--metrics-public", help="/metrics without an admin token (default: an admin token, read-only will do)."
    ),
    db: Optional[str] = DbOption,
    data_dir: Optional[str] = DataDirOption,
) -> None:
    """Run the collector (agents' API, admin API, /healthz, /metrics; OpenAPI at /docs)."""
    from server import serving

    if bool(tls_cert) != bool(tls_key):
        raise fail("--tls-cert and --tls-key go together")
    engine, settings = open_database(db, data_dir)
    engine.dispose()
    chosen = replace(settings, checkin_interval=checkin_interval, metrics_public=metrics_public)
    os.environ.update(chosen.environment())  # app_from_env reads it
    try:
        sock = serving.listen(host, port)
    except OSError as exc:
        raise fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    serving.run(sock, workers, str(tls_cert) if tls_cert else None, str(tls_key) if tls_key else None)


_DURATION = re.compile(r"^(\d+)([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text.strip())
    if not match:
        raise typer.BadParameter(f"{text!r}: expected a number and m, h, d or w, e.g. 7d")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def parse_tags(tags: List[str]) -> dict:
    from server.store.queries import parse_tag_filters

    try:
        return dict(parse_tag_filters(tags))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


@tokens_app.command("create")
def tokens_create(
    kind: str = typer.Option(..., help="enroll (for agents) or admin (for the CLI and API)."),
    expires: Optional[str] = typer.Option(None, help="Lifetime, e.g. 30m, 12h, 7d, 4w."),
    tag: List[str] = typer.Option([], help="KEY=VALUE applied to hosts enrolled with it."),
    read_only: bool = typer.Option(False, "--read-only", help="Admin token that cannot write."),
    name: Optional[str] = typer.Option(None, help="What it is for."),
    output: OutputFormat = OutputOption,
    db: Optional[str] = DbOption,
    data_dir: Optional[str] = DataDirOption,
) -> None:
    """Create a token; its secret is printed once and stored only hashed."""
    from server.store.credentials import create_token, token_problem
    from server.store.db import utcnow

    if kind not in ("enroll", "admin"):
        raise typer.BadParameter(f"{kind!r}: use enroll or admin", param_hint="--kind")
    problem = token_problem(kind, read_only, {"": ""} if tag else None)
    if problem:
        raise typer.BadParameter(problem, param_hint="--read-only" if read_only and kind != "admin" else "--tag")
    expires_at = utcnow() + parse_duration(expires) if expires else None
    engine, _ = open_database(db, data_dir)
    new = create_token(engine, kind, name, read_only, expires_at, parse_tags(tag))
    row = {"id": new.id, "kind": kind, "secret": new.secret, "expires_at": expires_at}
    if output != OutputFormat.table:
        typer.echo(render(row, [row], list(row), output))
        return
    until = f"expires {expires_at:%Y-%m-%d %H:%M} UTC" if expires_at else "no expiry"
    typer.echo(f"created {kind} token {new.id} ({until})")
    typer.echo(f"secret (shown only now, keep it safe): {new.secret}")


@tokens_app.command("list")
def tokens_list(
    output: OutputFormat = OutputOption,
    db: Optional[str] = DbOption,
    data_dir: Optional[str] = DataDirOption,
) -> None:
    """Tokens (never their secrets), newest first."""
    from server.store.credentials import list_tokens

    engine, _ = open_database(db, data_dir)
    rows = list_tokens(engine)
    for row in rows:
        row["tags"] = json.loads(row["tags"] or "{}")
        row["state"] = "revoked" if row["revoked_at"] else "live"
    if output == OutputFormat.table:
        rows = [_short(row) for row in rows]
    columns = ["id", "kind", "name", "read_only", "tags", "expires_at", "state"]
    typer.echo(render(rows, rows, columns, output))


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: Optional[int] = typer.Argument(None, help="Token id from `footprint tokens list`."),
    host: Optional[str] = typer.Option(None, help="Revoke this host's agent key instead."),
    db: Optional[str] = DbOption,
    data_dir: Optional[str] = DataDirOption,
) -> None:
    """Revoke a token, or a host's key (`--host ID`), effective at once."""
    from server.store.credentials import revoke_host_keys, revoke_token

    if (token_id is None) == (host is None):
        raise typer.BadParameter("give a token id or --host ID")
    engine, _ = open_database(db, data_dir)
    if host is not None:
        if not revoke_host_keys(engine, host):
            raise fail(f"host {host!r} has no live key")
        typer.echo(f"revoked the key of host {host}; to let it enroll again: footprint hosts reenroll {host}")
    elif not revoke_token(engine, token_id):
        raise fail(f"no live token {token_id}")
    else:
        typer.echo(f"revoked token {token_id}")


def _short(row: dict) -> dict:
    """Tags as k=v and times to the minute, for an 80-column table."""
    expires = row["expires_at"]
    return {
        **row,
        "tags": ",".join(f"{k}={v}" for k, v in sorted(row["tags"].items())),
        "expires_at": f"{expires:%Y-%m-%d %H:%M}" if expires else "",
    }


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(db_app, name="db")
    app.add_typer(tokens_app, name="tokens")

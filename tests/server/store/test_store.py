"""The store on both databases: migrations match tables, diffs become events, races stay sound."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select

from server.store.db import make_engine
from server.store.ingest import ingest_report, parse_report
from server.store.migrate import NotMigratedError, check_migrated, upgrade
from server.store.tables import (
    host_software,
    hosts,
    metadata,
    reports_seen,
    software_events,
    software_titles,
    title_key,
)

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


def test_migrations_create_exactly_the_tables_module(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_an_unmigrated_database_is_refused_with_the_command_to_run(db_url):
    engine = make_engine(db_url)
    with pytest.raises(NotMigratedError, match="footprint db upgrade"):
        check_migrated(engine)
    upgrade(engine)
    check_migrated(engine)
    engine.dispose()


def _store(engine, report: dict) -> None:
    import json

    ingest_report(engine, parse_report(json.dumps(report).encode()), report["host"]["id"])


def _events(engine, host_id: str):
    e, t = software_events.c, software_titles.c
    query = (
        select(e.kind, t.name, t.version, e.at, e.initial)
        .join(software_titles, t.id == e.title_id)
        .where(e.host_id == host_id)
        .order_by(e.id)
    )
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(query)]


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def test_diffs_become_install_and_remove_events(engine, enroll, make_report):
    host = enroll()
    first = make_report(host, collected_at=T0)
    _store(engine, first)
    software = [i for i in first["software"] if i["name"] != "zoom"]
    firefox = next(i for i in software if i["name"] == "firefox-esr")
    firefox["version"] = "128.1.0esr-1~deb12u1"
    software.append({"name": "r7-office", "version": "2024.1.1", "source": "deb", "arch": "amd64"})
    _store(engine, make_report(host, software=software, collected_at=T0 + timedelta(days=30)))

    events = _events(engine, host.host_id)
    initial = [e for e in events if e[4]]
    assert len(initial) == len(first["software"]) and {e[0] for e in initial} == {"install"}
    later = sorted((kind, name, version) for kind, name, version, _at, init in events if not init)
    assert later == [
        ("install", "firefox-esr", "128.1.0esr-1~deb12u1"),
        ("install", "r7-office", "2024.1.1"),
        ("remove", "firefox-esr", "115.12.0esr-1~deb12u1"),
        ("remove", "zoom", "6.2.5.3010"),
    ]
    assert {_utc(e[3]) for e in events if not e[4]} == {T0 + timedelta(days=30)}
    with engine.connect() as conn:
        names = set(
            conn.execute(
                select(software_titles.c.name)
                .join(host_software)
                .where(host_software.c.host_id == host.host_id)
            ).scalars()
        )
    assert "zoom" not in names and {"r7-office", "firefox-esr"} <= names


def test_an_older_report_arriving_late_is_not_applied(engine, enroll, make_report):
    host = enroll()
    newer = make_report(host, software=[], collected_at=T0 + timedelta(hours=1))
    older = make_report(host, collected_at=T0)
    _store(engine, newer)
    _store(engine, older)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(host_software)).scalar_one() == 0
        applied = dict(conn.execute(select(reports_seen.c.report_id, reports_seen.c.applied)).all())
    assert applied == {newer["report_id"]: True, older["report_id"]: False}


def test_same_item_for_two_users_is_two_installs(engine, enroll, make_report):
    host = enroll()
    item = {"name": "Telegram Desktop", "version": "5.2.3", "source": "windows", "scope": "user"}
    report = make_report(
        host, [dict(item, user="ivanov"), dict(item, user="petrova")], os="windows"
    )
    _store(engine, report)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(host_software)).scalar_one() == 2
        software = select(func.count()).where(software_titles.c.source != "os")  # the OS is a title too
        assert conn.execute(software).scalar_one() == 1


def test_two_reports_racing_for_one_host_leave_one_consistent_inventory(
    engine, enroll, make_report
):
    host = enroll()
    _store(engine, make_report(host, collected_at=T0))
    base = make_report(host)["software"]
    variants = [
        make_report(host, software=base[:6], collected_at=T0 + timedelta(minutes=1)),
        make_report(host, software=base[4:], collected_at=T0 + timedelta(minutes=2)),
    ]
    for _round in range(5):
        barrier = threading.Barrier(len(variants) * 2)
        errors = []

        def send(report, barrier=barrier, errors=errors):
            try:
                barrier.wait()
                _store(engine, report)
            except Exception as exc:  # noqa: BLE001 - collected for the assertion below
                errors.append(exc)

        # each report twice (a retry racing its original) and the two reports against each other
        threads = [threading.Thread(target=send, args=(r,)) for r in variants * 2]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        _assert_consistent(engine, host.host_id, variants[1])
        variants = [
            make_report(host, software=v["software"], collected_at=_next(v)) for v in variants
        ]


def _next(report: dict) -> datetime:
    when = datetime.strptime(report["collected_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
    return when.replace(tzinfo=timezone.utc) + timedelta(minutes=5)


def _assert_consistent(engine, host_id: str, newest: dict) -> None:
    """The stored inventory is exactly the newest report's, and the events replay to it."""
    e, t = software_events.c, software_titles.c
    with engine.connect() as conn:
        stored = set(
            conn.execute(
                select(t.name, t.version)
                .join(host_software)
                .where(host_software.c.host_id == host_id)
            ).all()
        )
        replay: dict = {}
        for kind, name, version in conn.execute(
            select(e.kind, t.name, t.version)
            .join(software_titles, t.id == e.title_id)
            .where(e.host_id == host_id)
            .order_by(e.id)
        ):
            replay[(name, version)] = replay.get((name, version), 0) + (
                1 if kind == "install" else -1
            )
        count = conn.execute(select(hosts.c.software_count).where(hosts.c.id == host_id)).scalar()
    assert stored == {(i["name"], i["version"]) for i in newest["software"]}
    assert {k for k, v in replay.items() if v == 1} == stored
    assert set(replay.values()) <= {0, 1}
    assert count == len(stored)


def test_provenance_is_part_of_a_titles_identity_and_reaches_the_classifier(engine, enroll, make_report):
    """The same package from Debian on one host and from a third-party archive on another: two titles."""
    from server.store.classify import _TITLE_COLUMNS, title_item

    item = {"name": "nodejs", "version": "18.19.0", "source": "deb", "arch": "amd64", "id": "nodejs",
            "publisher": "Debian Javascript Maintainers"}
    debian = {"origin": "Debian", "label": "Debian", "suite": "stable", "site": "deb.debian.org",
              "component": "main"}
    nodesource = {"origin": "Node Source", "suite": "nodistro", "site": "deb.nodesource.com", "component": "main"}
    first, second, third = enroll(), enroll(), enroll()
    _store(engine, make_report(first, [dict(item, provenance=debian)], collected_at=T0))
    _store(engine, make_report(second, [dict(item, provenance=dict(reversed(list(nodesource.items()))))],
                               collected_at=T0))
    _store(engine, make_report(third, [item], collected_at=T0))  # an older agent: no provenance
    with engine.connect() as conn:
        rows = conn.execute(
            select(*_TITLE_COLUMNS, software_titles.c.title_key)
            .where(software_titles.c.name == "nodejs").order_by(software_titles.c.id)
        ).all()
    assert [row.provenance for row in rows] == [
        '{"component":"main","label":"Debian","origin":"Debian","site":"deb.debian.org","suite":"stable"}',
        '{"component":"main","origin":"Node Source","site":"deb.nodesource.com","suite":"nodistro"}',
        None,
    ]
    assert rows[2].title_key == title_key("nodejs", "18.19.0", "deb", item["publisher"], "amd64", "nodejs")
    seen = title_item(rows[1])
    assert (seen.origin, seen.site, seen.signing_key) == ("Node Source", "deb.nodesource.com", "")
    assert (title_item(rows[0]).origin, title_item(rows[2]).origin) == ("Debian", "")


def test_the_embedded_database_is_private_to_its_owner(tmp_path):
    """Data directory 0700, database file and its WAL files 0600, whatever the umask."""
    import os
    import stat

    from sqlalchemy import text

    from server.store.db import make_engine

    data = tmp_path / "srv" / "footprint-data"
    tmp_path.chmod(0o755)
    old = os.umask(0o022)
    try:
        engine = make_engine(f"sqlite:///{data / 'footprint.db'}")
        with engine.connect() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
            conn.execute(text("INSERT INTO t VALUES (1)"))
            conn.commit()
            modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in data.iterdir()}
        engine.dispose()
    finally:
        os.umask(old)
    assert stat.S_IMODE(data.stat().st_mode) == 0o700 and stat.S_IMODE(data.parent.stat().st_mode) == 0o700
    assert modes == {"footprint.db": 0o600, "footprint.db-wal": 0o600, "footprint.db-shm": 0o600}
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o755  # a directory that existed is left as it was


def test_an_upgrade_makes_host_ids_and_hashes_bytewise_and_keeps_every_row(engine, enroll, make_report):
    """Migration 0016 on stored inventories: no row lost, on PostgreSQL every host id and title or name hash
    column COLLATE "C" (SQLite compares bytes already), and ingest and host removal still work through the keys."""
    from importlib import import_module

    from sqlalchemy import text

    from server.store.credentials import remove_host
    from tests.support.migrations import down_and_up

    migration = import_module("server.store.migrations.versions.0016_bytewise_identifiers")

    first, second = enroll(), enroll()
    for host in (first, second):
        _store(engine, make_report(host, collected_at=T0))
    tables = (hosts, host_software, software_events, software_titles, reports_seen)

    def counts():
        with engine.connect() as conn:
            return [conn.execute(select(func.count()).select_from(t)).scalar_one() for t in tables]

    before = counts()
    down_and_up(engine, "0015")
    assert counts() == before
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            found = dict(((t, c), collation) for t, c, collation in conn.execute(text(
                "SELECT table_name, column_name, collation_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND collation_name IS NOT NULL")))
        assert found == {column: "C" for column in migration.HOST_IDS + migration.HASHES}
    _store(engine, make_report(first, software=[], collected_at=T0 + timedelta(days=1)))
    remove_host(engine, second.host_id, purge=True)
    with engine.connect() as conn:
        left = conn.execute(select(host_software.c.host_id).distinct()).scalars().all()
    assert left == []

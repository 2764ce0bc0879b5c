"""Hostile and broken import files: each is refused with its name and reason, costs the others nothing,
prints no traceback and no byte of a file it should not read; limits hold while streaming."""

from __future__ import annotations

import json
import os
import random
import zlib
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from server.cli import app
from server.importers.batch import FileRejected, import_files, read_reports
from server.importers.files import Candidate, find
from server.store.tables import host_software, hosts

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = b"root:x:0:0:root:/root:/bin/bash\n"  # what a link could point at: never to be echoed


def _glpi(**changes) -> dict:
    document = json.loads((FIXTURES / "glpi-agent-astra.json").read_text(encoding="utf-8"))
    content = document["content"]
    for key, value in changes.items():
        if key == "deviceid":
            document["deviceid"] = value
        else:
            content[key] = value
    return document


def _write(path: Path, data) -> Path:
    path.write_bytes(data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode("utf-8"))
    return path


def _zlib_bomb(inflated: int) -> bytes:
    """An .ocs-shaped zlib stream inflating to `inflated` bytes of repeated software rows (~1,000:1)."""
    packer = zlib.compressobj(9)
    parts = [packer.compress(b"<REQUEST><QUERY>INVENTORY</QUERY><CONTENT>")]
    row = b"<SOFTWARES><NAME>x</NAME><VERSION>1</VERSION></SOFTWARES>" * 1024
    parts += [packer.compress(row) for _ in range(inflated // len(row))]
    parts.append(packer.compress(b"</CONTENT></REQUEST>") + packer.flush())
    return b"".join(parts)


def _count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_one_bad_file_never_costs_the_others(tmp_path):
    exports = tmp_path / "exports"
    exports.mkdir()
    good = [_write(exports / f"arm-{n}.json", _glpi(hardware={"name": f"arm-{n}"},
                                                      deviceid=f"arm-{n}-2026-11-21-14-03-07"))
            for n in ("a", "z")]
    no_id = {"hardware": {"name": "pc"}, "bios": {}}
    bad = {
        "deviceid.json": (_glpi(deviceid="pc-2026-13-45-99-99-99", **no_id),
                          "device id 'pc-2026-13-45-99-99-99' ends in an impossible time stamp"),
        "year1.json": (_glpi(accesslog={"logdate": "0001-01-01 00:00:00"}),
                       "logdate '0001-01-01 00:00:00' is not a plausible time"),
        "year9999.json": (_glpi(accesslog={"logdate": "9999-12-31 23:59:59"}),
                          "logdate '9999-12-31 23:59:59' is not a plausible time"),
        "truncated.json": (json.dumps(_glpi()).encode()[:900], "malformed JSON at line 1"),
        "photo.json": (b"\x89PNG\r\n\x1a\n" + SECRET, "not an inventory: neither JSON nor XML"),
        "deep.json": (b"[" * 100_000 + b"]" * 100_000, "JSON nested deeper than 64 levels"),
        "deep.xml": (b"<REQUEST><QUERY>INVENTORY</QUERY><CONTENT><OPERATINGSYSTEM/><SOFTWARES>"
                     + b"<a>" * 5_000 + b"</a>" * 5_000 + b"</SOFTWARES></CONTENT></REQUEST>",
                     "XML nested deeper than 64 elements"),
        "bomb.ocs": (_zlib_bomb(4 << 20), "the zlib content inflates past the import limit of 1.0 MiB"),
        "big.json": (json.dumps(_glpi()).encode() + b" " * (2 << 20), "the file is 2.0 MiB, larger than"),
        "laughs.xml": (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><REQUEST>&a;</REQUEST>',
                       "XML with a DTD or entity declaration is refused"),
    }
    for name, (data, _) in bad.items():
        _write(exports / name, data)
    secret = _write(tmp_path / "shadow", SECRET)
    os.symlink(secret, exports / "passwd.json")
    os.mkfifo(exports / "pipe.json")  # opening it for reading would block the import forever

    data_dir = tmp_path / "data"
    result = CliRunner().invoke(app, ["import", str(exports), "--max-size", "1", "--data-dir", str(data_dir)])

    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    assert "Imported 2 of 12 files (2 glpi-json): 2 hosts added" in result.output
    for name, (_, reason) in bad.items():
        [line] = [line for line in result.output.splitlines() if line.startswith(f"  {exports / name}:")]
        assert reason in line, line
    assert f"  {exports / 'passwd.json'}: a symbolic link: not followed inside a directory" in result.output
    assert f"  {exports / 'pipe.json'}: not a regular file" in result.output
    assert b"root:x" not in result.output.encode() and "/bin/bash" not in result.output
    assert {p.name for p in good} == {"arm-a.json", "arm-z.json"}


def test_a_device_id_stamped_by_a_wrong_clock_still_imports(tmp_path, engine):
    """The OCS and GLPI agents keep the id of their first run forever: a clock that was once wrong must not
    lose the machine. Without a logdate the stamp is only a hint, and an implausible one is ignored."""
    export = _glpi(deviceid="arm-kadry-12-2099-12-02-07-41-57", accesslog={})
    summary = import_files(engine, [_write(tmp_path / "arm-kadry-12.json", export)])
    assert (summary.rejected, len(summary.added)) == ([], 1)
    plausible = _glpi(deviceid="arm-kadry-13-2026-11-21-14-03-07", accesslog={}, hardware={"name": "arm-kadry-13"})
    import_files(engine, [_write(tmp_path / "arm-kadry-13.json", plausible)])
    with engine.connect() as conn:
        stamps = dict(conn.execute(select(hosts.c.hostname, hosts.c.collected_at)).all())
    offset = _glpi()["content"]["operatingsystem"]["timezone"]["offset"]  # the stamp is local time
    local = datetime(2026, 11, 21, 14, 3, 7, tzinfo=datetime.strptime(offset, "%z").tzinfo)
    assert stamps["arm-kadry-13"].replace(tzinfo=timezone.utc) == local.astimezone(timezone.utc)
    assert stamps["arm-kadry-12"].year < 2099  # the import's own time instead


def test_a_link_named_on_the_command_line_is_followed(tmp_path, engine):
    real = _write(tmp_path / "arm-kadry-12.json", _glpi())
    link = tmp_path / "latest.json"
    os.symlink(real, link)
    summary = import_files(engine, [link])
    assert (summary.rejected, len(summary.added)) == ([], 1)
    # Found in a directory, the same link is refused even if it appeared after the walk (O_NOFOLLOW).
    with pytest.raises(FileRejected, match="symbolic link: not followed"):
        read_reports(Candidate(link, follow=False))


def test_walk_skips_links_to_directories_and_does_not_loop(tmp_path):
    top = tmp_path / "exports"
    (top / "site-a").mkdir(parents=True)
    _write(top / "site-a" / "pc.json", _glpi())
    _write(top / "0.json", _glpi())
    os.symlink(top, top / "site-a" / "loop")  # a cycle that following links would never leave
    os.symlink("/etc", top / "etc")
    found, skipped = find([top])
    assert [c.path for c in found] == [top / "0.json", top / "site-a" / "pc.json"]
    assert all(not c.follow for c in found)
    assert sorted(path for path, _ in skipped) == [str(top / "etc"), str(top / "site-a" / "loop")]


def test_a_file_the_database_refuses_is_rolled_back_alone(engine, tmp_path):
    # Two reports in one offline file: the second is for a host removed from the collector, so the first,
    # already written inside the file's savepoint, must be rolled back with it; the files around it stay.
    offline = json.loads((FIXTURES / "footprint-offline.json").read_text(encoding="utf-8"))
    removed = dict(offline, report_id="0b7f3c52-5a8e-4c1e-9d7a-3f1d2e8b9c40",
                   host=dict(offline["host"], id="removed-host"))
    first = dict(offline, host=dict(offline["host"], id="new-host"))
    with engine.begin() as conn:
        now = datetime.now(timezone.utc)
        conn.execute(hosts.insert().values(id="removed-host", hostname="gone", revoked=True,
                                           first_seen=now, last_seen=now))
    files = [
        _write(tmp_path / "a.json", _glpi()),
        _write(tmp_path / "two.json", [first, removed]),
        _write(tmp_path / "c.json", _glpi(hardware={"name": "arm-kadry-13", "uuid": ""},
                                          bios={"ssn": "AQ-0042"})),
    ]
    summary = import_files(engine, files)
    assert summary.rejected == [(str(files[1]), "host removed-host was removed from the collector "
                                 "(footprint hosts remove)")]
    assert len(summary.added) == 2
    with engine.connect() as conn:
        ids = set(conn.execute(select(hosts.c.id)).scalars())
        orphan = conn.execute(select(func.count()).select_from(host_software)
                              .where(host_software.c.host_id == "new-host")).scalar_one()
    assert "new-host" not in ids and orphan == 0
    assert _count(engine, hosts) == 3  # two imported, one removed


def test_lone_surrogates_and_nul_are_refused_with_a_printable_reason(tmp_path, engine):
    surrogate = _write(tmp_path / "s.json", json.dumps(_glpi(hardware={"name": "pc\ud800"})).encode())
    nul = _write(tmp_path / "n.json", json.dumps(_glpi(hardware={"name": "pc\u0000"})).encode())
    summary = import_files(engine, [surrogate, nul])
    reasons = dict(summary.rejected)
    assert "lone UTF-16 surrogate" in reasons[str(surrogate)]
    assert "NUL character" in reasons[str(nul)]
    for reason in reasons.values():
        reason.encode("utf-8")  # the CLI can print it


_HOSTILE = [None, True, -1, 2**70, 1e308, "", "x" * 3000, [], {}, [1, [2]], {"a": {"b": 1}},
            "9999-99-99 99:99:99", "0001-01-01 00:00:00", "-99:99", "é" * 300]


def _paths(document, path=()):
    yield path
    children = document.items() if isinstance(document, dict) else enumerate(document) if isinstance(
        document, list) else ()
    for key, value in children:
        yield from _paths(value, path + (key,))


@pytest.mark.parametrize("name", ["glpi-agent-astra.json", "glpi-agent-windows-ru.json", "footprint-offline.json"])
def test_any_value_of_the_wrong_type_or_size_is_a_reason_not_a_crash(tmp_path, name):
    # Seeded mutations of real-shaped files: every field in turn gets a value of another type or size.
    rng = random.Random(name)
    base = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    paths = [p for p in _paths(base) if p]
    outcomes = {"imported": 0, "rejected": 0}
    for _ in range(150):
        document = json.loads(json.dumps(base))
        for path in rng.sample(paths, 2):
            target = document
            try:
                for key in path[:-1]:
                    target = target[key]
                target[path[-1]] = rng.choice(_HOSTILE)
            except (KeyError, IndexError, TypeError):
                continue  # an earlier mutation replaced a parent
        try:
            read_reports(_write(tmp_path / "m.json", document))
            outcomes["imported"] += 1
        except FileRejected:
            outcomes["rejected"] += 1
    assert outcomes["imported"] and outcomes["rejected"]


def test_a_database_failure_stops_the_import_and_a_rerun_completes_it(pg_url, tmp_path):
    # The import's PostgreSQL connection is killed after its first file: nothing of the open batch counts
    # as imported, the rest is named as not stored, and running the same import again stores everything.
    from sqlalchemy import text

    from server.importers.batch import ImportAborted
    from server.store.db import make_engine
    from server.store.migrate import upgrade

    engine, killer = make_engine(pg_url), make_engine(pg_url)
    upgrade(engine)
    files = [_write(tmp_path / f"pc-{n}.json", _glpi(hardware={"name": f"pc-{n}"},
                                                      deviceid=f"pc-{n}-2026-11-21-14-03-07")) for n in range(3)]

    def kill_the_import(_path):
        with killer.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = current_database() AND state = 'idle in transaction'"))

    try:
        with pytest.raises(ImportAborted) as aborted:
            import_files(engine, files, on_file=kill_the_import)
        assert aborted.value.summary.files == 0
        assert aborted.value.not_stored == [str(f) for f in files]
        assert str(aborted.value).startswith("the database failed: ")
        assert _count(engine, hosts) == 0
        again = import_files(engine, files)
        assert (len(again.added), again.rejected) == (3, [])
    finally:
        engine.dispose()
        killer.dispose()

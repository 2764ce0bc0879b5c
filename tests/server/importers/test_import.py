"""`footprint import`: real SQLite and PostgreSQL, one transaction per file, newer exports update hosts."""

from __future__ import annotations

import zlib

from sqlalchemy import func, select
from typer.testing import CliRunner

from server.cli import app
from server.importers.batch import import_files
from server.store.queries import get_host, host_software_list
from server.store.tables import host_software, host_tags, hosts, software_events


def _write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_batch_with_every_format_and_a_bad_file(engine, inventory_bytes, tmp_path):
    glpi = inventory_bytes("glpi-agent-windows-ru.json")
    files = [
        _write(tmp_path, "buh-pc-07.json", glpi),
        _write(tmp_path, "dev-ws-03.xml", inventory_bytes("fusioninventory-redos.xml")),
        _write(tmp_path, "KADRY-PC-02.ocs", zlib.compress(inventory_bytes("ocs-windows-ru.xml"))),
        _write(tmp_path, "truncated.json", glpi[: len(glpi) // 3]),
        _write(tmp_path, "scada-gw-02.json", inventory_bytes("footprint-offline.json")),
    ]
    summary = import_files(engine, files, {"dept": "finance"})
    assert sorted(summary.added) == sorted([
        "glpi:uuid:6a8f2c10-3d4b-11ee-9a51-f80dac4e21b7", "glpi:uuid:4c4c4544-0051-4b10-8033-b7c04f4c4833",
        "ocs:uuid:2a6d1c0e-7f11-11eb-8129-9f3a52b8c4d1", "b1946ac92492d2347c6235b4d2611184",
    ])
    [(name, reason)] = summary.rejected
    assert name.endswith("truncated.json") and "malformed JSON at line" in reason
    assert summary.formats == {"glpi-json": 1, "fusion-xml": 1, "ocs-xml": 1, "footprint-json": 1}
    assert _count(engine, hosts) == 4
    with engine.connect() as conn:
        host = get_host(conn, "glpi:uuid:6a8f2c10-3d4b-11ee-9a51-f80dac4e21b7")
        assert host["hostname"] == "BUH-PC-07"
        names = {row["name"] for row in host_software_list(conn, host["id"])}
        tagged = conn.execute(select(func.count()).select_from(host_tags).where(host_tags.c.value == "finance"))
        assert tagged.scalar_one() == 4
    assert "КриптоПро CSP" in names and "Microsoft Teams" in names


def test_newer_export_updates_the_host_instead_of_adding_one(engine, inventory_bytes, tmp_path):
    older = inventory_bytes("glpi-agent-windows-ru.json")
    newer = (
        older.replace(b"2026-11-20-09-15-42", b"2026-11-23-08-00-03")
        .replace(b'"logdate": "2026-11-20 09:15:42"', b'"logdate": "2026-11-23 08:00:03"')
        .replace(b'"version": "6.2.5.3010"', b'"version": "6.3.0.4520"')  # Zoom updated
    )
    first = import_files(engine, [_write(tmp_path, "a.json", older)])
    second = import_files(engine, [_write(tmp_path, "b.json", newer)])
    again = import_files(engine, [_write(tmp_path, "c.json", newer)])
    stale = import_files(engine, [_write(tmp_path, "d.json", older.replace(b"BUH-PC-07\"", b"BUH-PC-07 \""))])

    host_id = "glpi:uuid:6a8f2c10-3d4b-11ee-9a51-f80dac4e21b7"
    assert (first.added, second.updated, again.unchanged, stale.older) == ([host_id],) * 4
    assert _count(engine, hosts) == 1
    with engine.connect() as conn:
        zoom = [r for r in host_software_list(conn, host_id) if r["name"].startswith("Zoom")]
        kinds = conn.execute(select(software_events.c.kind, func.count()).where(
            software_events.c.initial.is_(False)).group_by(software_events.c.kind)).all()
    assert [z["version"] for z in zoom] == ["6.3.0.4520"]
    assert dict(kinds) == {"install": 1, "remove": 1}


def test_file_that_fails_validation_leaves_nothing_behind(engine, inventory_bytes, tmp_path):
    # A host name past the collector's limit: the whole file is refused before anything is written.
    bad = inventory_bytes("glpi-agent-astra.json").replace(b'"name": "arm-kadry-12"', b'"name": "' + b"x" * 300 + b'"')
    summary = import_files(engine, [_write(tmp_path, "long.json", bad)])
    [(_, reason)] = summary.rejected
    assert reason.startswith("not a valid report: host.hostname")
    assert (_count(engine, hosts), _count(engine, host_software)) == (0, 0)


def test_cli_imports_a_directory_with_progress_and_summary(inventory_bytes, tmp_path):
    exports = tmp_path / "glpi-exports"
    exports.mkdir()
    base = inventory_bytes("glpi-agent-astra.json")
    for n in range(25):  # enough for the progress bar
        _write(exports, f"arm-{n:02d}.json", base.replace(b"arm-kadry-12", f"arm-kadry-{n:02d}".encode()))
    _write(exports, "notes.txt", "это не инвентаризация".encode())
    data_dir = tmp_path / "footprint-data"
    result = CliRunner().invoke(app, ["import", str(exports), "--data-dir", str(data_dir), "--tag", "site=msk"])
    assert result.exit_code == 1, result.output
    assert "Importing" in result.output  # the progress bar, on stderr
    assert "Imported 25 of 26 files (25 glpi-json): 25 hosts added, 0 updated" in result.output
    assert "notes.txt" in result.output and "not an inventory: neither JSON nor XML" in result.output

    again = CliRunner().invoke(app, ["import", str(exports / "arm-00.json"), "--data-dir", str(data_dir)])
    assert again.exit_code == 0
    assert "0 hosts added, 0 updated, 1 unchanged" in again.output


def test_cli_refuses_a_malformed_tag(tmp_path):
    result = CliRunner().invoke(app, ["import", str(tmp_path), "--tag", "finance", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "expected KEY=VALUE" in result.output

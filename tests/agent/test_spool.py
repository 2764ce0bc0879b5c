"""The durable spool: atomic files, oldest first, bounds, corrupted files set aside, disk full."""

from __future__ import annotations

import gzip
import json
import os

import pytest

from agent.spool import Spool, write_atomically
from agent.transport import gzip_report


def report_body(sample_report: dict, number: int) -> bytes:
    report = dict(sample_report, report_id=f"00000000-0000-4000-8000-{number:012d}")
    return gzip_report(report)


def put(spool: Spool, sample_report: dict, number: int) -> str:
    return spool.put(f"00000000-0000-4000-8000-{number:012d}", report_body(sample_report, number))


def test_reports_come_back_oldest_first_with_their_ids(tmp_path, sample_report):
    spool = Spool(str(tmp_path / "spool"))
    for number in range(5):
        put(spool, sample_report, number)
    pending = list(spool.pending())
    assert [r.report_id[-1] for r in pending] == ["0", "1", "2", "3", "4"]
    assert json.loads(gzip.decompress(pending[0].body))["host"]["hostname"] == "ws-042"


def test_files_are_private_and_no_temporaries_remain(tmp_path, sample_report):
    spool = Spool(str(tmp_path / "spool"))
    path = put(spool, sample_report, 1)
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert os.stat(spool.directory).st_mode & 0o777 == 0o700
    assert os.listdir(spool.directory) == [os.path.basename(path)]


def test_remove_forgets_a_delivered_report(tmp_path, sample_report):
    spool = Spool(str(tmp_path / "spool"))
    put(spool, sample_report, 1)
    put(spool, sample_report, 2)
    first = next(spool.pending())
    spool.remove(first)
    assert [r.report_id[-1] for r in spool.pending()] == ["2"]


def test_count_bound_drops_the_oldest_with_a_warning(tmp_path, sample_report, caplog):
    spool = Spool(str(tmp_path / "spool"), max_reports=3)
    for number in range(5):
        put(spool, sample_report, number)
    assert [r.report_id[-1] for r in spool.pending()] == ["2", "3", "4"]
    assert sum("dropping the oldest report" in m for m in caplog.messages) == 2


def test_byte_bound_drops_the_oldest(tmp_path, sample_report):
    size = len(report_body(sample_report, 0))
    spool = Spool(str(tmp_path / "spool"), max_bytes=size * 2 + size // 2)
    for number in range(4):
        put(spool, sample_report, number)
    assert [r.report_id[-1] for r in spool.pending()] == ["2", "3"]
    assert spool.total_bytes() <= spool.max_bytes


@pytest.mark.parametrize("damage", [
    lambda body: body[: len(body) // 2],  # power cut in the middle of a copy made by hand
    lambda body: b"not gzip at all",
    lambda body: gzip.compress(b"{\"report\": \"without an id\"}"),
    lambda body: gzip.compress(b"[1, 2, 3]"),
])
def test_corrupted_file_is_set_aside_and_the_rest_delivered(tmp_path, sample_report, caplog,
                                                            damage):
    spool = Spool(str(tmp_path / "spool"))
    paths = [put(spool, sample_report, number) for number in range(3)]
    with open(paths[1], "rb") as handle:
        body = handle.read()
    with open(paths[1], "wb") as handle:
        handle.write(damage(body))
    assert [r.report_id[-1] for r in spool.pending()] == ["0", "2"]
    assert os.path.exists(paths[1] + ".bad") and not os.path.exists(paths[1])
    assert spool.count_set_aside() == 1
    assert any("set aside" in m for m in caplog.messages)


def test_interrupted_write_leaves_only_an_ignored_temporary(tmp_path, sample_report):
    spool = Spool(str(tmp_path / "spool"))
    put(spool, sample_report, 1)
    leftover = os.path.join(spool.directory, ".tmp-00000000000000000002-x.json.gz")
    with open(leftover, "wb") as handle:
        handle.write(report_body(sample_report, 2)[:10])
    assert [r.report_id[-1] for r in spool.pending()] == ["1"]
    spool.clean_temporaries()
    assert not os.path.exists(leftover)


def test_disk_full_keeps_the_existing_spool(full_disk, sample_report, caplog):
    spool = Spool(str(full_disk.path / "spool"), max_bytes=1 << 30)
    first = put(spool, sample_report, 1)
    before = open(first, "rb").read()
    huge = os.urandom(200 * 1024)  # incompressible, larger than the file system
    assert spool.put("00000000-0000-4000-8000-000000000099", huge) is None
    assert [r.report_id[-1] for r in spool.pending()] == ["1"]
    assert open(first, "rb").read() == before
    assert os.listdir(spool.directory) == [os.path.basename(first)]
    assert any("disk full" in m for m in caplog.messages)


def test_set_aside_files_count_against_the_bounds_and_go_first(tmp_path, sample_report, caplog):
    spool = Spool(str(tmp_path / "spool"), max_reports=3)
    paths = [put(spool, sample_report, n) for n in range(3)]
    spool.set_aside(paths[0], "the collector rejected it")
    assert (len(spool.paths()), spool.count_set_aside()) == (2, 1)
    assert spool.total_bytes() == sum(os.path.getsize(p) for p in paths[1:] + [paths[0] + ".bad"])
    put(spool, sample_report, 3)  # 2 reports + 1 set aside + 1 new: over 3, the set-aside goes
    assert spool.count_set_aside() == 0
    assert [r.report_id[-1] for r in spool.pending()] == ["1", "2", "3"]
    assert any("set aside earlier" in m for m in caplog.messages)


def test_only_the_newest_set_aside_files_are_kept(tmp_path, sample_report):
    from agent.spool import KEEP_SET_ASIDE

    spool = Spool(str(tmp_path / "spool"))
    for number in range(KEEP_SET_ASIDE + 3):
        spool.set_aside(put(spool, sample_report, number), "unreadable")
    kept = [os.path.basename(p) for p in spool.set_aside_paths()]
    assert len(kept) == KEEP_SET_ASIDE
    assert kept[0].endswith(f"{3:012d}.json.gz.bad")


def test_write_atomically_replaces_whole_content(tmp_path):
    path = tmp_path / "state.json"
    write_atomically(str(path), b'{"a": 1}')
    write_atomically(str(path), b'{"a": 2}')
    assert path.read_bytes() == b'{"a": 2}'
    assert os.listdir(tmp_path) == ["state.json"]


"""Host key storage (0600, atomic) and the enrollment preseed (environment or enroll.env)."""

from __future__ import annotations

import os

import pytest

from agent import credentials
from agent.credentials import Credentials


def test_saved_key_is_private_and_round_trips(tmp_path):
    os.umask(0o022)
    stored = Credentials("https://c.example", "host-1", "x" * 43, "2026-11-23T11:00:00Z")
    path = credentials.save(str(tmp_path / "state"), stored)
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert credentials.load(str(tmp_path / "state")) == stored


def test_not_enrolled_and_damaged_files(tmp_path):
    assert credentials.load(str(tmp_path)) is None
    (tmp_path / credentials.FILE_NAME).write_text("{\"server\": ")
    with pytest.raises(ValueError, match="unreadable enrollment file .*enroll --force"):
        credentials.load(str(tmp_path))


def test_preseed_file_and_environment(tmp_path):
    (tmp_path / "enroll.env").write_text(
        "# written by the deployment tool\n"
        "export FOOTPRINT_SERVER='https://footprint.corp.example'\n"
        'FOOTPRINT_ENROLL_SECRET="fp-enroll-7Qx"\n')
    assert credentials.enroll_preseed(str(tmp_path), {}) == {
        "FOOTPRINT_SERVER": "https://footprint.corp.example",
        "FOOTPRINT_ENROLL_SECRET": "fp-enroll-7Qx"}
    from_env = credentials.enroll_preseed(str(tmp_path), {"FOOTPRINT_ENROLL_SECRET": "fp-other"})
    assert from_env["FOOTPRINT_ENROLL_SECRET"] == "fp-other"
    assert credentials.enroll_preseed(str(tmp_path / "absent"), {}) == {}


def test_bad_preseed_line_is_named(tmp_path):
    (tmp_path / "enroll.env").write_text("FOOTPRINT_SERVER https://x\n")
    with pytest.raises(ValueError, match=r"enroll.env: line 1: expected NAME=value"):
        credentials.enroll_preseed(str(tmp_path), {})

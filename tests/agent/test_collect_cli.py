"""`footprint-agent collect` end to end, as a real subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest


def test_collect_prints_a_valid_report(run_agent):
    result = run_agent("collect")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["schema"] == "footprint.report/1"
    assert set(report) >= {
        "report_id",
        "collected_at",
        "inventory_hash",
        "agent",
        "host",
        "hardware",
        "network",
        "software",
        "errors",
    }
    assert report["host"]["os"]["family"] == "linux"
    if shutil.which("dpkg-query"):
        assert any(
            item["source"] == "deb" and item["name"] == "dpkg" for item in report["software"]
        )
    for item in report["software"]:
        assert item["name"] and item["version"] and item["source"]
        assert None not in item.values()


def test_collect_a_mounted_root_to_a_file(run_agent, make_root, fixtures, tmp_path):
    root = make_root(
        {
            "etc/os-release": fixtures / "os-release" / "astra-1.7",
            "etc/astra_version": "1.7.5",
            "etc/hostname": "arm-astra",
            "var/lib/dpkg/status": fixtures / "dpkg" / "status",
        }
    )
    output = tmp_path / "report.json"
    result = run_agent("collect", "--root", str(root), "--output", str(output), "--pretty")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    text = output.read_text(encoding="utf-8")
    assert text.startswith('{\n  "schema"')
    report = json.loads(text)
    assert (
        report["host"]["os"]["distro_id"] == "astra" and report["host"]["os"]["version"] == "1.7.5"
    )
    assert report["host"]["hostname"] == "arm-astra" and report["host"]["id_source"] == "generated"
    assert "ООО «Р7»" in text  # UTF-8, not \\u escapes
    assert sorted(item["name"] for item in report["software"]) == [
        "adduser",
        "dpkg",
        "libc6",
        "libc6",
        "r7-office",
        "wine32",
        "yandex-browser-stable",
        "zoom",
    ]


def test_damaged_database_still_gives_a_report(run_agent, make_root, fixtures):
    root = make_root({"var/lib/dpkg/status": fixtures / "dpkg" / "status-truncated"})
    result = run_agent("collect", "--root", str(root))
    assert result.returncode == 0
    report = json.loads(result.stdout)
    assert [item["name"] for item in report["software"]] == ["kaspersky"]
    assert {error["source"] for error in report["errors"]} == {"deb"}
    assert "line 10: file ends in the middle of a line (truncated?)" in result.stderr


def test_summary_for_people(run_agent, make_root, fixtures):
    root = make_root(
        {
            "etc/os-release": fixtures / "os-release" / "redos-7.3",
            "var/lib/dpkg/status": fixtures / "dpkg" / "status",
        }
    )
    result = run_agent("collect", "--root", str(root), "--summary")
    assert result.returncode == 0, result.stderr
    assert "OS        RED OS 7.3.6  [redos]" in result.stdout
    assert "Software  8 items (deb 8)" in result.stdout
    assert "Errors    0" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--root", "/nonexistent/root"], "--root /nonexistent/root: not a directory"),
        (["--output", "/nonexistent/dir/report.json"], "cannot write /nonexistent/dir/report.json"),
    ],
)
def test_no_report_possible_exits_non_zero(run_agent, args, message):
    result = run_agent("collect", *args)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_collect_is_listed_in_help(run_agent):
    result = run_agent("--help")
    assert result.returncode == 0
    assert "collect" in result.stdout


def test_collect_path_does_not_import_typer_or_requests(tmp_path):
    code = (
        "import sys; from agent.cli import main; sys.argv = ['footprint-agent', 'collect', '-o', "
        f"{str(tmp_path / 'r.json')!r}];\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('typer', 'requests', 'click') if m in sys.modules))"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert output.strip() == "[]"


def test_output_to_a_device_writes_in_place_and_never_replaces_it(run_agent):
    result = run_agent("collect", "--output", "/dev/stdout")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["schema"] == "footprint.report/1"
    assert os.path.islink("/dev/stdout")  # the symlink was written through, not replaced

"""`footprint-agent collect --reg-export`: the air-gapped Windows path, end to end through the CLI."""

from __future__ import annotations

import json


def test_collect_from_exports_end_to_end(run_agent, fixtures, tmp_path):
    windows = fixtures / "windows"
    output = tmp_path / "report.json"
    done = run_agent(
        "collect",
        "--reg-export",
        str(windows / "ru-win11-uninstall.reg"),
        "--reg-export",
        str(windows / "regedit4-cp1251.reg"),
        "--reg-export",
        str(windows / "malformed.reg"),
        "--output",
        str(output),
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(output.read_text(encoding="utf-8"))
    software = report["software"]
    assert {item["source"] for item in software} == {"windows"}
    names = {item["name"] for item in software}
    assert {"КриптоПро CSP", "Kaspersky Endpoint Security для Windows", "Telegram Desktop"} <= names
    assert len(software) == 12  # 9 from the UTF-16 export, 3 from the REGEDIT4 one
    [error] = report["errors"]
    assert error == {
        "source": "windows",
        "path": str(windows / "malformed.reg"),
        "message": "line 9: bad hex byte list '68,00,74,00,7g,00,70,00'",
    }
    assert "Traceback" not in done.stderr
    assert f"windows ({windows / 'malformed.reg'}): line 9: bad hex byte list" in done.stderr


def test_missing_export_is_named_not_a_crash(run_agent, tmp_path):
    missing = tmp_path / "nowhere.reg"
    done = run_agent("collect", "--reg-export", str(missing))
    assert "Traceback" not in done.stderr
    assert f"windows ({missing}): cannot read the file" in done.stderr
    assert json.loads(done.stdout)["software"] == []

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
        "--reg-export",
        str(windows / "host-win11.reg"),
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
    # The exported machine is described, not the one that read the files.
    host = report["host"]
    assert (host["id"], host["id_source"]) == ("6c1b0a39-2f4e-4d7a-9b8e-3f51c2d0a7e4", "MachineGuid")
    assert host["os"]["name"] == "Microsoft Windows 11 Pro"
    assert (host["hostname"], host["fqdn"]) == ("ws-042", "ws-042.corp.example.ru")
    assert report["hardware"] == {"vendor": "LENOVO", "model": "20L5CTO1WW", "serial": "PF1ABCDE"}
    assert report["network"] == {"interfaces": []}


def test_exports_without_machine_guid_get_a_stable_id_and_a_warning(run_agent, fixtures, tmp_path):
    export = tmp_path / "uninstall.reg"
    text = (fixtures / "windows" / "regedit4-cp1251.reg").read_bytes()
    name_key = b"[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\ComputerName\\ComputerName]"
    export.write_bytes(text + name_key + b'\r\n"ComputerName"="BUH-07"\r\n')
    first, second = (json.loads(run_agent("collect", "--reg-export", str(export)).stdout) for _ in range(2))
    assert first["host"]["id"] == second["host"]["id"]
    assert (first["host"]["id_source"], first["host"]["hostname"]) == ("generated", "BUH-07")
    assert first["host"]["os"] == {"family": "windows"}
    [error] = first["errors"]
    assert error["source"] == "host" and "no MachineGuid" in error["message"]
    assert "derived from the computer name" in error["message"]


def test_missing_export_is_named_not_a_crash(run_agent, tmp_path):
    missing = tmp_path / "nowhere.reg"
    done = run_agent("collect", "--reg-export", str(missing))
    assert "Traceback" not in done.stderr
    assert f"windows ({missing}): cannot read the file" in done.stderr
    assert json.loads(done.stdout)["software"] == []


def test_reg_encoding_names_the_ansi_code_page(run_agent, tmp_path):
    export = tmp_path / "cz.reg"
    body = "REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\Esc]\r\n"
    body += '"DisplayName"="Účetnictví Šťastný"\r\n"DisplayVersion"="2024.1"\r\n'
    export.write_bytes(body.encode("cp1250"))
    guessed = json.loads(run_agent("collect", "--reg-export", str(export)).stdout)
    named = json.loads(run_agent("collect", "--reg-export", str(export), "--reg-encoding", "cp1250").stdout)
    assert named["software"][0]["name"] == "Účetnictví Šťastný"
    assert guessed["software"] == []  # the guess, cp1252, has no "ť" (0x9d): the admin is told
    [problem] = [error["message"] for error in guessed["errors"] if error["source"] == "windows"]
    assert problem.startswith("line 4: not valid cp1252 text") and "--reg-encoding" in problem

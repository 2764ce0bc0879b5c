"""Real outputs: FusionInventory and OCS Inventory agents inventory this machine; imported into the collector,
each host's software list must be exactly what dpkg has installed, and what Footprint's own agent reports."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from agent.inventory import collect
from server.importers.batch import import_files
from server.store.queries import host_software_list


def _deb_packages(software):
    return {(s["name"], s["version"], s["arch"]) for s in software if s["source"] == "deb"}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the agents' output is the subject, not the DB
def test_real_agent_inventories_import_as_this_machine(require_command, dpkg_packages, engine, tmp_path):
    fusion_command, ocs_command = require_command("fusioninventory-inventory"), require_command("ocsinventory-agent")
    for attempt in range(3):  # a package installed meanwhile (a developer's machine) makes the lists differ
        before = os.stat("/var/lib/dpkg/status").st_mtime_ns
        installed = dpkg_packages()
        fusion = tmp_path / f"fusioninventory-{attempt}.xml"
        fusion.write_bytes(subprocess.run([fusion_command], capture_output=True, check=True, timeout=300).stdout)
        ocs_dir = tmp_path / f"ocs-{attempt}"
        ocs_dir.mkdir()
        # Its own state directory: the agent keeps the device id of its first run, clock and all.
        subprocess.run([ocs_command, f"--local={ocs_dir}", f"--basevardir={tmp_path / 'ocs-state'}"],
                       capture_output=True, check=True, timeout=300, stdin=subprocess.DEVNULL)
        footprint_agent_report = collect()
        if os.stat("/var/lib/dpkg/status").st_mtime_ns == before:
            break
    [ocs] = ocs_dir.glob("*.ocs")
    native = tmp_path / "footprint-agent.json"
    native.write_text(json.dumps(footprint_agent_report), encoding="utf-8")

    summary = import_files(engine, [fusion, ocs, native])
    assert summary.rejected == []
    assert summary.formats == {"fusion-xml": 1, "ocs-xml": 1, "footprint-json": 1}
    fusion_host, ocs_host, native_host = summary.added
    assert fusion_host.startswith("glpi:") and ocs_host.startswith("ocs:")
    assert native_host == footprint_agent_report["host"]["id"]

    assert _deb_packages(footprint_agent_report["software"]) == installed
    with engine.connect() as conn:
        for host_id in summary.added:
            assert _deb_packages(host_software_list(conn, host_id)) == installed, host_id

"""Real outputs: FusionInventory and OCS Inventory agents inventory this machine; imported into the collector,
each host's software list must be exactly what dpkg has installed, and what Footprint's own agent reports."""

from __future__ import annotations

import json
import subprocess

import pytest

from agent.collect_cli import collect
from server.importers.batch import import_files
from server.store.queries import host_software_list


@pytest.fixture(scope="module")
def footprint_agent_report():
    """`footprint-agent collect` for this machine."""
    return collect()


def _deb_packages(software):
    return {(s["name"], s["version"], s["arch"]) for s in software if s["source"] == "deb"}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the agents' output is the subject, not the DB
def test_real_agent_inventories_import_as_this_machine(
    require_command, dpkg_packages, footprint_agent_report, engine, tmp_path
):
    fusion = tmp_path / "fusioninventory.xml"
    fusion.write_bytes(subprocess.run(
        [require_command("fusioninventory-inventory")], capture_output=True, check=True, timeout=300
    ).stdout)
    ocs_dir = tmp_path / "ocs"
    ocs_dir.mkdir()
    subprocess.run([require_command("ocsinventory-agent"), f"--local={ocs_dir}"], capture_output=True,
                   check=True, timeout=300, stdin=subprocess.DEVNULL)
    [ocs] = ocs_dir.glob("*.ocs")
    native = tmp_path / "footprint-agent.json"
    native.write_text(json.dumps(footprint_agent_report), encoding="utf-8")

    summary = import_files(engine, [fusion, ocs, native])
    assert summary.rejected == []
    assert summary.formats == {"fusion-xml": 1, "ocs-xml": 1, "footprint-json": 1}
    fusion_host, ocs_host, native_host = summary.added
    assert fusion_host.startswith("glpi:") and ocs_host.startswith("ocs:")
    assert native_host == footprint_agent_report["host"]["id"]

    assert _deb_packages(footprint_agent_report["software"]) == dpkg_packages
    with engine.connect() as conn:
        for host_id in summary.added:
            assert _deb_packages(host_software_list(conn, host_id)) == dpkg_packages, host_id

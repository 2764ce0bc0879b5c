"""Real outputs: FusionInventory and OCS Inventory agents inventory this machine, and the import must list
exactly the packages dpkg has installed, and the same ones Footprint's own agent finds."""

from __future__ import annotations

import subprocess

import pytest

from agent.collect_cli import collect
from server.importers import read_inventory


def _deb_packages(report):
    return {(s["name"], s["version"], s.get("arch")) for s in report["software"] if s["source"] == "deb"}


@pytest.fixture(scope="module")
def footprint_agent_packages():
    """What `footprint-agent collect` reports for this machine's deb packages."""
    return _deb_packages(collect())


def test_fusioninventory_inventory_of_this_machine(require_command, dpkg_packages, footprint_agent_packages):
    command = require_command("fusioninventory-inventory")
    output = subprocess.run([command], capture_output=True, check=True, timeout=300).stdout
    fmt, [report] = read_inventory(output)
    assert fmt == "fusion-xml"
    assert report["host"]["id_source"] == "import:glpi"
    assert report["host"]["os"]["family"] == "linux"
    assert _deb_packages(report) == dpkg_packages == footprint_agent_packages


def test_ocsinventory_local_inventory_of_this_machine(
    require_command, dpkg_packages, footprint_agent_packages, tmp_path
):
    command = require_command("ocsinventory-agent")
    subprocess.run(
        [command, f"--local={tmp_path}"], capture_output=True, check=True, timeout=300,
        stdin=subprocess.DEVNULL,
    )
    [written] = tmp_path.glob("*.ocs")
    fmt, [report] = read_inventory(written.read_bytes())
    assert fmt == "ocs-xml"
    assert report["host"]["id_source"] == "import:ocs"
    assert _deb_packages(report) == dpkg_packages == footprint_agent_packages

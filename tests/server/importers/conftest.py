"""Fixtures for the importer tests: inventory files written for this project, shaped like real agents' output."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def inventory_bytes():
    """The bytes of a fixture inventory file by name."""
    return lambda name: (FIXTURES / name).read_bytes()


@pytest.fixture
def software_by_name():
    """A report's software list keyed by name, for readable assertions."""
    return lambda report: {item["name"]: item for item in report["software"]}


@pytest.fixture
def dpkg_packages():
    """Reads this machine's installed Debian packages as (name, version, arch), straight from dpkg."""
    if not shutil.which("dpkg-query"):
        pytest.skip("not a Debian-family machine: no dpkg-query")

    def read():
        listing = subprocess.run(
            ["dpkg-query", "-W", "-f", "${db:Status-Abbrev}\t${Package}\t${Version}\t${Architecture}\n"],
            capture_output=True, text=True, check=True,
        ).stdout
        return {tuple(line.split("\t")[1:]) for line in listing.splitlines() if line.startswith("ii")}

    return read

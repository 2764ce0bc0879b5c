"""Fixtures for the importer tests: inventory files written for this project, shaped like real agents' output."""

from __future__ import annotations

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

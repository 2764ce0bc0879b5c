"""Catalog test fixtures: small hand-written catalogs in temporary directories."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest


@pytest.fixture
def write_catalog(tmp_path: Path):
    """Write {file name: TOML text} into a fresh directory and return the directory."""
    counter = iter(range(1000))

    def write(files: dict[str, str]) -> Path:
        directory = tmp_path / f"catalog{next(counter)}"
        directory.mkdir()
        for name, text in files.items():
            (directory / name).write_text(textwrap.dedent(text), encoding="utf-8")
        return directory

    return write

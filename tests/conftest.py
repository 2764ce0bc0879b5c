"""Fixtures shared by every test area."""

from __future__ import annotations

import os
import shutil

import pytest


@pytest.fixture
def require_command():
    """Skip when a tool is not installed here; on CI (FOOTPRINT_CI=1) its absence is a failure instead."""

    def require(command: str) -> str:
        path = shutil.which(command)
        if path:
            return path
        if os.environ.get("FOOTPRINT_CI") == "1":
            pytest.fail(f"{command} is missing on CI: .ci/setup-system should have installed it")
        pytest.skip(f"{command} is not installed (apt-get install it, or see .ci/setup-system)")

    return require

"""The fake phone tools (tests/support/phone_tools.py) for the phone tests."""

from __future__ import annotations

import pytest

from tests.support.phone_tools import FakeTools


@pytest.fixture
def fake_tools(tmp_path, monkeypatch) -> FakeTools:
    return FakeTools(tmp_path, monkeypatch)

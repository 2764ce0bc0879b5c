"""Windows and macOS source modules import and probe on any OS: listing them never crashes collect."""

from __future__ import annotations

import pytest

from agent.sources import load_source, source_specs


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_sources_load_and_say_not_available_on_an_empty_root(platform, tmp_path):
    specs = source_specs(str(tmp_path), platform)
    assert specs
    for spec in specs:
        source = load_source(spec, str(tmp_path))
        assert source.name in ("windows", "msix", "macos-app", "pkgutil", "homebrew", "browser-extension",
                               "ide-extension")
        assert source.available() is False, spec

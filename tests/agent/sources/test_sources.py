"""Choosing sources at run time: per platform, lazily, and without crashing on a missing module."""

from __future__ import annotations

from agent.sources import LINUXBREW_PREFIX, source_specs, sources_for


def test_linux_sources_on_a_debian_root(make_root, fixtures):
    root = make_root({"var/lib/dpkg/status": fixtures / "dpkg" / "status"})
    sources, errors = sources_for(str(root), platform="linux")
    assert errors == []
    assert [source.name for source in sources] == ["deb"]


def test_nothing_present_means_no_sources_and_no_errors(tmp_path):
    assert sources_for(str(tmp_path), platform="linux") == ([], [])


def test_homebrew_only_where_linuxbrew_exists(make_root):
    assert not any("homebrew" in spec for spec in source_specs("/nonexistent", "linux"))
    root = make_root({LINUXBREW_PREFIX + "/bin/.keep": ""})
    assert source_specs(str(root), "linux")[-3] == "agent.sources.homebrew:HomebrewSource"


def test_windows_and_macos_modules_are_named_not_imported_on_listing():
    assert source_specs("/", "win32") == [
        "agent.sources.windows.uninstall:UninstallSource",
        "agent.sources.windows.msix:MsixSource",
        "agent.sources.browser_extensions:BrowserExtensionSource",
        "agent.sources.ide_extensions:IdeExtensionSource",
    ]
    assert "agent.sources.macos.pkgutil:PkgutilSource" in source_specs("/", "darwin")


def test_a_module_that_cannot_load_is_an_error(monkeypatch):
    from agent import sources

    monkeypatch.setitem(sources.SOURCES, "linux", ["agent.sources.nonexistent:GoneSource"])
    found, errors = sources_for("/", platform="linux")
    assert found == []
    assert errors[0].source == "nonexistent"
    assert "cannot load agent.sources.nonexistent:GoneSource" in errors[0].message

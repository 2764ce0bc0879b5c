"""State and configuration locations per platform, and their environment overrides."""

from __future__ import annotations

from agent.paths import config_path, state_dir


def test_defaults_per_platform(monkeypatch):
    monkeypatch.delenv("FOOTPRINT_STATE_DIR", raising=False)
    monkeypatch.delenv("FOOTPRINT_CONFIG", raising=False)
    monkeypatch.setenv("ProgramData", r"D:\ProgramData")
    assert state_dir("linux") == "/var/lib/footprint-agent"
    assert config_path("linux") == "/etc/footprint/agent.toml"
    assert state_dir("win32") == r"D:\ProgramData\Footprint"
    assert config_path("win32") == r"D:\ProgramData\Footprint\agent.toml"
    assert state_dir("darwin") == "/Library/Application Support/Footprint"
    assert config_path("darwin") == "/Library/Application Support/Footprint/agent.toml"


def test_environment_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("FOOTPRINT_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("FOOTPRINT_CONFIG", str(tmp_path / "agent.toml"))
    assert state_dir("win32") == str(tmp_path / "state")
    assert config_path("linux") == str(tmp_path / "agent.toml")

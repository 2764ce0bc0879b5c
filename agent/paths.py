"""Where the agent keeps its state and reads its configuration, per platform (env overrides)."""

from __future__ import annotations

import os
import sys

from agent import environment

_MACOS_DIR = "/Library/Application Support/Footprint"


def state_dir(platform: str = sys.platform) -> str:
    """Directory for the agent's persistent state (host id fallback, host key, spool)."""
    return _located(environment.STATE_DIR, platform, "", _MACOS_DIR, "/var/lib/footprint-agent")


def config_path(platform: str = sys.platform) -> str:
    """The agent's configuration file (agent.toml)."""
    return _located(
        environment.CONFIG,
        platform,
        r"\agent.toml",
        _MACOS_DIR + "/agent.toml",
        "/etc/footprint/agent.toml",
    )


def _located(variable: str, platform: str, under_program_data: str, macos: str, linux: str) -> str:
    """The environment variable if set, else the platform's place (%ProgramData%\\Footprint...)."""
    override = environment.env(variable)
    if override:
        return override
    if platform == "win32":
        return os.environ.get("ProgramData", r"C:\ProgramData") + r"\Footprint" + under_program_data
    return macos if platform == "darwin" else linux

"""Where the agent keeps its state and reads its configuration, per platform (env overrides)."""

from __future__ import annotations

import os
import sys


def state_dir(platform: str = sys.platform) -> str:
    """Directory for the agent's persistent state (host id fallback, host key, spool)."""
    override = os.environ.get("FOOTPRINT_STATE_DIR")
    if override:
        return override
    if platform == "win32":
        program_data = os.environ.get("ProgramData", r"C:\ProgramData")
        return program_data + r"\Footprint"
    if platform == "darwin":
        return "/Library/Application Support/Footprint"
    return "/var/lib/footprint-agent"


def config_path(platform: str = sys.platform) -> str:
    """The agent's configuration file (agent.toml)."""
    override = os.environ.get("FOOTPRINT_CONFIG")
    if override:
        return override
    if platform == "win32":
        program_data = os.environ.get("ProgramData", r"C:\ProgramData")
        return program_data + r"\Footprint\agent.toml"
    if platform == "darwin":
        return "/Library/Application Support/Footprint/agent.toml"
    return "/etc/footprint/agent.toml"

"""Shared helpers for the agent's tests: fixture paths, fake roots, running the real CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def make_root(tmp_path):
    """Build a fake system root: make_root({"etc/os-release": FIXTURES/"os-release/astra", ...})."""

    def build(files: dict, name: str = "root") -> Path:
        root = tmp_path / name
        for relative, content in files.items():
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, Path):
                shutil.copyfile(content, target)
            else:
                target.write_text(content, encoding="utf-8")
        return root

    return build


@pytest.fixture
def run_agent(tmp_path):
    """Run `footprint-agent ARGS` as a real subprocess of this interpreter (no script needed)."""

    def run(*args: str, env: dict = None) -> subprocess.CompletedProcess:
        environment = dict(os.environ, FOOTPRINT_STATE_DIR=str(tmp_path / "state"))
        environment.update(env or {})
        code = "import sys; from agent.cli import main; sys.argv[0] = 'footprint-agent'; main()"
        return subprocess.run(
            [sys.executable, "-c", code, *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=environment,
            cwd=str(Path(__file__).resolve().parents[2]),
        )

    return run

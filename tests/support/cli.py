"""The `footprint` CLI run in-process by the tests that drive it against a real collector."""

from __future__ import annotations

from typing import Dict, List

from typer.testing import CliRunner

from server.cli import app


def run_cli(args: List[str], env: Dict[str, str], code: int = 0) -> str:
    """The command's output, once its exit code is `code` and it printed no traceback."""
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output

"""The agent reads its FOOTPRINT_* variables through agent/environment.py only, and documents each one."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from agent import environment

ROOT = Path(__file__).resolve().parents[2]
VARIABLE = re.compile(r"FOOTPRINT_[A-Z0-9_]+")


def test_no_other_agent_module_names_a_variable():
    """A variable's name as a string of its own (not inside a message) appears in environment.py only."""
    named = [f"{path.relative_to(ROOT)}:{node.lineno} {node.value}"
             for path in sorted((ROOT / "agent").rglob("*.py")) if path.name != "environment.py"
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Constant) and isinstance(node.value, str) and VARIABLE.fullmatch(node.value)]
    assert not named, "\n".join(named)


def test_every_declared_variable_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in environment.ENVIRONMENT:
        assert name in readme, name


def test_env_reads_declared_variables_and_key_overrides_only():
    environ = {environment.LOG_FILE: "/tmp/agent.log", "FOOTPRINT_TIMEOUT": "10", environment.SERVER: ""}
    assert environment.env(environment.LOG_FILE, environ) == "/tmp/agent.log"
    assert environment.env(environment.config_variable("timeout"), environ) == "10"
    assert environment.env(environment.SERVER, environ) == ""  # empty counts as unset
    with pytest.raises(KeyError, match="FOOTPRINT_logfile"):
        environment.env("FOOTPRINT_logfile", environ)
    with pytest.raises(KeyError, match="HOME"):
        environment.env("HOME", environ)

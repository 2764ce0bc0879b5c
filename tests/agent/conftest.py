"""Shared helpers for the agent's tests: fixture paths, fake roots, running the real CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _own_state_dir(tmp_path, monkeypatch):
    """No test reads or writes the machine's agent state (the apt provenance cache lives there)."""
    monkeypatch.setenv("FOOTPRINT_STATE_DIR", str(tmp_path / "state"))


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


@pytest.fixture
def fake_winreg(monkeypatch):
    """Install a stand-in for winreg (it exists only on Windows) over plain dicts.

    install({path: [(name, data, type)]}, wow={...}, denied=[path]): parents are created, the 32-bit
    view (KEY_WOW64_32KEY) sees `wow` when given, and a denied path raises PermissionError.
    """
    import types

    def tree(paths: dict) -> dict:
        view: dict = {}
        for path, values in paths.items():
            parts = path.split("\\")
            for depth in range(1, len(parts) + 1):
                subkeys, _ = view.setdefault("\\".join(parts[:depth]).lower(), ([], []))
                if depth < len(parts) and parts[depth] not in subkeys:
                    subkeys.append(parts[depth])
            view[path.lower()][1].extend(values)
        return view

    def install(native: dict, wow: dict = None, denied=()):
        module = types.ModuleType("winreg")
        module.HKEY_LOCAL_MACHINE, module.HKEY_USERS = "HKEY_LOCAL_MACHINE", "HKEY_USERS"
        module.KEY_READ, module.KEY_WOW64_64KEY, module.KEY_WOW64_32KEY = 0x20019, 0x0100, 0x0200
        views = {0x0100: tree(native), 0x0200: tree(native if wow is None else wow)}
        refused = {path.lower() for path in denied}

        class Key:
            def __init__(self, entry):
                self.entry = entry

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return False

        def open_key(root, sub, reserved, access):
            path = "\\".join(part for part in (root, sub) if part).lower()
            if path in refused:
                raise PermissionError(13, "Access is denied")
            entry = views[access & 0x0300 or 0x0100].get(path)
            if entry is None:
                raise FileNotFoundError(2, "The system cannot find the file specified")
            return Key(entry)

        module.OpenKey = open_key
        module.QueryInfoKey = lambda key: (len(key.entry[0]), len(key.entry[1]), 0)
        module.EnumKey = lambda key, index: key.entry[0][index]
        module.EnumValue = lambda key, index: key.entry[1][index]
        monkeypatch.setitem(sys.modules, "winreg", module)
        return module

    return install

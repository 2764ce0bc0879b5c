"""Imports point down only: CLI → API → store → tables; the agent never imports the server, and the server takes
only the shared report contract from the agent. Every import statement counts, those inside functions too."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Iterator, Set, Tuple

import pytest

ROOT = Path(__file__).resolve().parent.parent
REPORT_CONTRACT = {"agent", "agent.contract", "agent.report"}  # the report format and its inventory hash
# (importer, imported): no module under the first prefix may import one under the second
FORBIDDEN = [
    ("agent", "server"),
    ("server.api", "server.cli"),
    ("server.app", "server.cli"),
    ("server.cli", "server.api"),  # the remote commands call the API over HTTP, never its routers
    ("server.cli", "server.app"),
    *[(low, high) for low in ("server.store", "server.catalog", "server.importers", "server.totals",
                              "server.report", "server.render", "server.files", "server.schemas",
                              "server.settings", "server.auth")
      for high in ("server.cli", "server.api", "server.app", "server.entry")],
    *[("server.store", high) for high in ("server.totals", "server.importers", "server.report")],
    *[("server.catalog", high) for high in ("server.store", "server.totals", "server.importers")],
]


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> Dict[str, Path]:
    return {_module_name(p): p for top in ("agent", "server") for p in (ROOT / top).rglob("*.py")
            if "migrations" not in p.parts}


def _imports(name: str, path: Path, known: Set[str]) -> Iterator[Tuple[str, int]]:
    """The project modules `name` imports, with their line numbers (`from x import y` is x.y when y is a module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for target in targets:
            if target.split(".")[0] in ("agent", "server"):
                yield target, node.lineno


def _under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


@pytest.fixture(scope="module")
def graph() -> Dict[str, Set[Tuple[str, int]]]:
    modules = _modules()
    return {name: set(_imports(name, path, set(modules))) for name, path in modules.items()}


def test_the_graph_is_read(graph):
    """The parser sees real edges (a broken walk would pass every rule below)."""
    assert any(target == "server.store.tables" for target, _ in graph["server.store.ingest"])
    assert any(target == "agent.sources.base" for target, _ in graph["agent.inventory"])


def test_no_module_imports_upward(graph):
    wrong = [f"{name}:{line} imports {target}" for name, edges in sorted(graph.items()) for target, line in edges
             for low, high in FORBIDDEN if _under(name, low) and _under(target, high)]
    assert not wrong, "\n".join(wrong)


def test_the_server_takes_only_the_report_contract_from_the_agent(graph):
    wrong = [f"{name}:{line} imports {target}" for name, edges in sorted(graph.items()) if _under(name, "server")
             for target, line in edges if _under(target, "agent") and target not in REPORT_CONTRACT]
    assert not wrong, "\n".join(wrong)


def _sqlalchemy_names(path: Path) -> Set[str]:
    """What a module takes from SQLAlchemy, outside its exceptions (`sqlalchemy.exc` is how errors are caught)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlalchemy":
            if node.module != "sqlalchemy.exc":
                names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names if alias.name.split(".")[0] == "sqlalchemy"}
    return names


def test_no_sql_in_routers_or_cli(graph):
    """Routers, their dependencies and the CLI call named store functions: no tables, no SQL constructs."""
    modules = _modules()
    wrong = [f"{name}:{line} imports {target}" for name, edges in sorted(graph.items())
             if _under(name, "server.api") or _under(name, "server.cli") or name == "server.app"
             for target, line in edges if target == "server.store.tables"]
    wrong += [f"{name} takes {sorted(names - {'Engine', 'Connection'})} from sqlalchemy"
              for name, path in sorted(modules.items())
              if _under(name, "server.api") or _under(name, "server.cli") or name == "server.app"
              for names in [_sqlalchemy_names(path)] if names - {"Engine", "Connection"}]
    assert not wrong, "\n".join(wrong)

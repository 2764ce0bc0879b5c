"""Collect one machine: its host facts and every applicable software source, as one report.

The one "inventory this machine" function, used by `footprint-agent collect`, by each service cycle and
by tests; a source that cannot load or crashes becomes an entry in the report's `errors`.
"""

from __future__ import annotations

import time
from typing import List, Optional

from agent.sources.base import SourceError, SourceResult


def collect(
    root: str = "/", reg_exports: Optional[List[str]] = None, reg_encoding: Optional[str] = None
) -> dict:
    """Run the host collector and every applicable source; problems become report errors."""
    from agent.host import collect_host
    from agent.report import build_report

    started = time.monotonic()
    if reg_exports:  # the exported machine is described, not the one reading the files
        from agent._host_windows import exported_facts

        host, hardware, network, errors = exported_facts(reg_exports, reg_encoding)
    else:
        host, hardware, network, errors = collect_host(root)
    results = [_from_exports(reg_exports, reg_encoding)] if reg_exports else _from_sources(root)
    software: List[dict] = []
    for result in results:
        software.extend(item.to_dict() for item in result.items)
        errors.extend(result.errors)
    duration_ms = round((time.monotonic() - started) * 1000)
    return build_report(
        host, hardware, network, software, [e.to_dict() for e in errors], duration_ms
    )


def _from_sources(root: str) -> List[SourceResult]:
    from agent.sources import sources_for

    sources, load_errors = sources_for(root)
    if not sources and not load_errors:
        # An inventory with no software must say why, or it reads as "nothing installed".
        message = "no supported package database or application store found"
        load_errors.append(SourceError("agent", message, root))
    results = [SourceResult(errors=load_errors)]
    for source in sources:
        try:
            results.append(source.collect())
        except Exception as err:  # noqa: BLE001 - a broken source is a warning, never a crash
            message = f"failed: {type(err).__name__}: {err}"
            results.append(SourceResult(errors=[SourceError(source.name, message)]))
    return results


def _from_exports(paths: List[str], encoding: Optional[str]) -> SourceResult:
    """Software from regedit exports of the Uninstall keys instead of this machine's own sources."""
    try:
        from agent.sources.windows.uninstall import collect_from_exports
    except ImportError as err:
        return SourceResult(errors=[SourceError("windows", f"cannot read .reg exports: {err}")])
    return collect_from_exports(paths, encoding)

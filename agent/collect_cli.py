"""`footprint-agent collect`: inventory this machine (or a mounted root) and print one report.

Parsed with argparse rather than Typer: collect runs on every machine in the organisation, and
Typer's import alone costs more than reading the whole dpkg database.
"""

# No `from __future__ import annotations`: Typer must resolve `typer.Context` (see register()).
import argparse
import json
import os
import sys
import time
from typing import List, Optional

from agent.sources.base import SourceError, SourceResult


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="footprint-agent collect",
        description="Inventory this machine and print one footprint.report/1 report as JSON.",
    )
    parser.add_argument(
        "--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout"
    )
    parser.add_argument("--pretty", action="store_true", help="indent the JSON")
    parser.add_argument(
        "--root",
        metavar="PATH",
        default="/",
        help="inventory a mounted image or container root instead of / (default: /)",
    )
    parser.add_argument(
        "--reg-export",
        metavar="FILE",
        action="append",
        default=[],
        dest="reg_exports",
        help="take Windows software from a regedit export of the Uninstall keys "
        "(repeatable; for air-gapped machines)",
    )
    parser.add_argument(
        "--reg-encoding",
        metavar="CODEPAGE",
        help="code page of REGEDIT4 (ANSI) exports, e.g. cp1251 or cp1250 "
        "(default: cp1251 for Cyrillic text, else cp1252)",
    )
    parser.add_argument(
        "--summary",
        action="store_true",
        help="print a human-readable summary (host, OS, counts per source, errors); "
        "the JSON then goes only to --output",
    )
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point for `footprint-agent collect ARGS`; returns the exit code."""
    options = build_parser().parse_args(argv)
    if not os.path.isdir(options.root):
        print(f"footprint-agent collect: --root {options.root}: not a directory", file=sys.stderr)
        return 2
    report = collect(options.root, options.reg_exports, options.reg_encoding)
    for error in report["errors"]:
        where = f" ({error['path']})" if error.get("path") else ""
        print(f"warning: {error['source']}{where}: {error['message']}", file=sys.stderr)
    text = json.dumps(report, ensure_ascii=False, indent=2 if options.pretty else None)
    if options.output:
        try:
            _write_report(options.output, text + "\n")
        except OSError as err:
            print(
                f"footprint-agent collect: cannot write {options.output}: {err.strerror}",
                file=sys.stderr,
            )
            return 1
    elif not options.summary:
        sys.stdout.write(text + "\n")
    if options.summary:
        sys.stdout.write(summary(report))
    return 0


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


def _write_report(path: str, text: str) -> None:
    """Regular files are written next to the target and renamed, so a reader never sees half a
    report; anything else (/dev/stdout, a pipe) is written in place, never replaced."""
    if os.path.exists(path) and not os.path.isfile(path):
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        return
    import tempfile

    directory = os.path.dirname(os.path.abspath(path))
    descriptor, temporary = tempfile.mkstemp(prefix=".footprint-", dir=directory)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def summary(report: dict) -> str:
    """A few lines for a human: who this host is, what it runs, how much software per source."""
    host, os_facts = report["host"], report["host"].get("os", {})
    os_name = " ".join(str(os_facts[key]) for key in ("name", "version") if os_facts.get(key))
    lines = [
        f"Host      {host.get('hostname', '?')}  (id {host['id']}, from {host['id_source']})",
        f"OS        {os_name or os_facts.get('family', '?')}"
        + (f"  [{os_facts['distro_id']}]" if os_facts.get("distro_id") else ""),
    ]
    counts: dict = {}
    for item in report["software"]:
        counts[item["source"]] = counts.get(item["source"], 0) + 1
    per_source = ", ".join(f"{source} {count}" for source, count in sorted(counts.items()))
    lines.append(
        f"Software  {len(report['software'])} items" + (f" ({per_source})" if per_source else "")
    )
    lines.append(f"Errors    {len(report['errors'])}")
    lines.extend(f"  - {error['source']}: {error['message']}" for error in report["errors"])
    lines.append(f"Collected {report['collected_at']} in {report['agent']['duration_ms']} ms")
    return "\n".join(lines) + "\n"


def register(app) -> None:
    """Make `collect` visible in `footprint-agent --help`; `main` parses its options either way."""
    import typer

    @app.command(
        "collect",
        help=build_parser().description,
        context_settings={
            "allow_extra_args": True,
            "ignore_unknown_options": True,
            "help_option_names": [],
        },
    )
    def collect_command(ctx: typer.Context) -> None:
        raise typer.Exit(main(list(ctx.args)))

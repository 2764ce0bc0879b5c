"""`footprint-agent collect`: inventory this machine (or a mounted root) and print one report."""

from __future__ import annotations

import json
import os
import sys
from typing import List, Optional


def main(output: Optional[str] = None, pretty: bool = False, root: str = "/", reg_exports: List[str] = (),
         reg_encoding: Optional[str] = None, summary: bool = False, phone: Optional[str] = None) -> int:
    """Run `footprint-agent collect` with its options (agent/cli.py); returns the exit code."""
    if phone is not None:
        if root != "/" or reg_exports or summary:
            print("footprint-agent collect: --phone goes with --output and --pretty only", file=sys.stderr)
            return 2
        from agent.phones_cli import collect_phones

        return collect_phones(phone, output, pretty)
    from agent.inventory import collect

    if not os.path.isdir(root):
        print(f"footprint-agent collect: --root {root}: not a directory", file=sys.stderr)
        return 2
    report = collect(root, list(reg_exports), reg_encoding)
    for error in report["errors"]:
        where = f" ({error['path']})" if error.get("path") else ""
        print(f"warning: {error['source']}{where}: {error['message']}", file=sys.stderr)
    text = json.dumps(report, ensure_ascii=False, indent=2 if pretty else None)
    if output:
        try:
            _write_report(output, text + "\n")
        except OSError as err:
            print(f"footprint-agent collect: cannot write {output}: {err.strerror}", file=sys.stderr)
            return 1
    elif not summary:
        sys.stdout.write(text + "\n")
    if summary:
        sys.stdout.write(describe(report))
    return 0


def _write_report(path: str, text: str) -> None:
    """Regular files are written next to the target and renamed, so a reader never sees half a
    report; anything else (/dev/stdout, a pipe) is written in place, never replaced."""
    if os.path.exists(path) and not os.path.isfile(path):
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        return
    from agent.spool import write_atomically

    write_atomically(path, text.encode("utf-8"))


def describe(report: dict) -> str:
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

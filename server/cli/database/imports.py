"""`footprint import FILE|DIR...`: other agents' inventories (GLPI, FusionInventory, OCS), the MDMs' phones (Intune,
Jamf Pro, GLPI's Android agent) and offline Footprint reports into the collector's database, acting on it directly
like `serve` and `db upgrade`."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from server.cli.database.collector import open_database, parse_tags
from server.cli.options import DataDirOption, DbOption
from server.cli.remote.client import fail
from server.importers.limits import DEFAULT_MAX_BYTES, MiB

PROGRESS_FROM = 20  # files: smaller batches finish before a progress bar would tell anything


class SummaryFormat(str, Enum):
    table = "table"
    json = "json"


def _report(summary, output: SummaryFormat) -> str:
    if output == SummaryFormat.json:
        return json.dumps({
            "files": summary.files, "formats": summary.formats, "hosts_added": summary.added,
            "hosts_updated": summary.updated, "unchanged": summary.unchanged, "older": summary.older,
            "rejected": [{"file": f, "reason": r} for f, r in summary.rejected],
            "skipped": [{"file": f, "reason": r} for f, r in summary.skipped],
            "notes": [{"file": f, "note": n} for f, n in summary.notes],
        }, ensure_ascii=False, indent=2)
    imported = summary.files - summary.files_rejected
    formats = ", ".join(f"{n} {fmt}" for fmt, n in sorted(summary.formats.items())) or "none"
    lines = [
        f"Imported {imported} of {summary.files} files ({formats}): {len(summary.added)} hosts added, "
        f"{len(summary.updated)} updated, {len(summary.unchanged)} unchanged (imported before), "
        f"{len(summary.older)} older than the stored inventory (not applied)."
    ]
    if summary.rejected:
        lines.append(f"Rejected {len(summary.rejected)} file(s); nothing of them was stored:")
        lines.extend(f"  {file}: {reason}" for file, reason in summary.rejected)
    if summary.notes:
        lines.append("Left out of the files imported:")
        lines.extend(f"  {file}: {note}" for file, note in summary.notes)
    if summary.skipped:
        lines.append(f"Skipped {len(summary.skipped)} entr{'y' if len(summary.skipped) == 1 else 'ies'} "
                     "of the directories, not opened:")
        lines.extend(f"  {file}: {reason}" for file, reason in summary.skipped)
    return "\n".join(lines)


def import_inventories(
    paths: List[Path] = typer.Argument(..., metavar="FILE|DIR...", help="Inventory files, or directories of them."),
    tag: List[str] = typer.Option([], "--tag", metavar="KEY=VALUE", help="Tag every imported host (repeatable)."),
    max_size: int = typer.Option(
        DEFAULT_MAX_BYTES // MiB, "--max-size", metavar="MIB", min=1, max=4096,
        help="Refuse a file larger than this many MiB, on disk or once inflated.",
    ),
    db: Optional[str] = DbOption,
    data_dir: Optional[str] = DataDirOption,
    output: SummaryFormat = typer.Option(SummaryFormat.table, "--output", "-o", help="Summary as table or json."),
) -> None:
    """Import inventories made by GLPI agent (JSON, the Android agent's phones too), FusionInventory/GLPI (XML),
    OCS Inventory (.ocs), Jamf Pro (mobile device XML), Microsoft Intune (a device list exported with its
    discovered apps, CSV) or `footprint-agent collect --output`. The format is read from each file's content.
    A bad file is rejected with its reason and the rest goes on; the exit status is 1 when any file was
    rejected. Symbolic links inside a directory are skipped, not followed; a link named on the command line is
    followed."""
    from server.importers.batch import ImportAborted, import_files
    from server.importers.files import find

    tags = parse_tags(tag)
    files, skipped = find(paths)
    engine, _ = open_database(db, data_dir)
    try:
        if len(files) >= PROGRESS_FROM:
            with typer.progressbar(length=len(files), label="Importing", file=sys.stderr) as bar:
                summary = import_files(engine, files, tags, lambda _path: bar.update(1), max_size * MiB)
        else:
            summary = import_files(engine, files, tags, max_bytes=max_size * MiB)
    except ImportAborted as exc:
        exc.summary.skipped.extend(skipped)
        typer.echo(_report(exc.summary, output))
        raise fail(
            f"import stopped: {exc}; {len(exc.not_stored)} file(s) not stored (from {exc.not_stored[0]}): "
            "run the same import again, files already imported are left as they are"
        ) from None
    finally:
        engine.dispose()
    summary.skipped.extend(skipped)
    typer.echo(_report(summary, output))
    if summary.rejected:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("import")(import_inventories)

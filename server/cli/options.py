"""Every option that more than one `footprint` command takes, declared once (as pip-tools' options.py does)."""

from __future__ import annotations

from enum import Enum
from typing import List

import typer

from server.render import OutputFormat
from server.settings import DATA_ENV, DB_ENV

# the database side: serve, db, tokens, import, catalog reclassify
DbOption = typer.Option(
    None, "--db", envvar=DB_ENV, help="postgresql://user@host/db (default: embedded SQLite)."
)
DataDirOption = typer.Option(
    None,
    "--data-dir",
    envvar=DATA_ENV,
    help="Directory of the embedded SQLite database (default ./footprint-data).",
)
CatalogDirOption = typer.Option(
    None, "--catalog-dir", help="Organisation-local catalog directory (repeatable; adds to FOOTPRINT_CATALOG_DIR)."
)

# the admin API clients
ServerOption = typer.Option(None, "--server", help="Collector URL (or FOOTPRINT_SERVER).")
TokenOption = typer.Option(None, "--token", help="Admin token (or FOOTPRINT_TOKEN).")
OutputOption = typer.Option(OutputFormat.table, "--output", "-o", help="table, json or csv.")

# the host filter (server/store/queries.host_conditions), the same on every command that selects hosts
TagOption = typer.Option([], "--tag", help="KEY=VALUE, e.g. dept=finance (repeatable, all must match).")
OsOption = typer.Option(None, "--os",
                        help="OS family (linux, windows, macos, android, ios), distribution id (astra) or name.")


class HostKind(str, Enum):
    """The `--kind` choices: what a host is (agent/contract.py KINDS)."""

    computer = "computer"
    phone = "phone"
    tablet = "tablet"


KindOption = typer.Option(None, "--kind", help="Only computers, phones or tablets.")


class Extensions(str, Enum):
    """The `--extensions` choices: browser and IDE extensions left out, counted with programs, or alone."""

    exclude = "exclude"
    include = "include"
    only = "only"


ExtensionsOption = typer.Option(Extensions.exclude, "--extensions",
                                help="Browser and IDE extensions: exclude (default), include or only.")
SeenWithinOption = typer.Option(None, "--seen-within", min=1, help="Only hosts seen in the last DAYS days.")
IncompleteOption = typer.Option(False, "--incomplete",
                                help="Only hosts whose last report carries source errors (a database unreadable, a "
                                     "profile denied), with why: their inventory misses something.")
UnusedDaysOption = typer.Option(None, "--unused-days", min=1, max=36500,
                                help="Installs not used in DAYS days (their last recorded use is older), over the "
                                     "hosts that record last use (Windows, macOS; Linux records none).")
StaleDaysOption = typer.Option(None, "--stale-days", min=1,
                               help="Hosts silent this many days are stale, counted apart (default 30).")


def checked_tags(tags: List[str]) -> List[str]:
    """The --tag values, each KEY=VALUE (else a usage error naming it)."""
    for tag in tags:
        if "=" not in tag or tag.startswith("="):
            raise typer.BadParameter(f"{tag!r}: expected KEY=VALUE, e.g. dept=finance", param_hint="--tag")
    return tags

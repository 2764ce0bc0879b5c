"""`footprint`: the collector and admin CLI, sub-commands grouped by noun; each module registers its group.

cli/database/ holds the commands that open the database themselves (run on the collector host), cli/remote/
those that only call the admin API, cli/catalog.py the ones that read catalog files; cli/options.py declares
every option they share.
"""

from __future__ import annotations

import typer

from server.cli import catalog, catalog_register
from server.cli.database import collector, imports, reclassify
from server.cli.remote import inventory, report, targets, totals

app = typer.Typer(
    name="footprint",
    help="Footprint collector and admin CLI: the organisation's foreign-software footprint.",
    no_args_is_help=True,
    add_completion=False,
)
catalog.register(app)
collector.register(app)
inventory.register(app)
imports.register(app)
report.register(app)
targets.register(app)
totals.register(app)
reclassify.register(catalog.catalog_app)
catalog_register.register(catalog.catalog_app)


def main() -> None:
    app()

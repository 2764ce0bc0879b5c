"""`footprint`: the collector and admin CLI, sub-commands grouped by noun; each module registers its group."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="footprint",
    help="Footprint collector and admin CLI: the organisation's foreign-software footprint.",
    no_args_is_help=True,
    add_completion=False,
)


def main() -> None:
    app()


from server.cli.catalog import register as register_catalog  # noqa: E402

register_catalog(app)

from server.cli.database.collector import register as register_collector  # noqa: E402
from server.cli.remote.inventory import register as register_inventory  # noqa: E402

register_collector(app)
register_inventory(app)

from server.cli.database.imports import register as register_imports  # noqa: E402

register_imports(app)

from server.cli.remote.report import register as register_report  # noqa: E402

register_report(app)

from server.cli.catalog import catalog_app  # noqa: E402
from server.cli.database.reclassify import register as register_reclassify  # noqa: E402
from server.cli.remote.totals import register as register_totals  # noqa: E402

register_totals(app)
register_reclassify(catalog_app)

from server.cli.catalog_register import register as register_catalog_register  # noqa: E402

register_catalog_register(catalog_app)

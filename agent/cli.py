"""`footprint-agent`: the command-line face of the agent; each command group registers itself here."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="footprint-agent",
    help="Footprint agent: inventories this machine and reports it to the Footprint collector.",
    no_args_is_help=True,
    add_completion=False,
)


def main() -> None:
    app()

"""`footprint-agent`: the command-line face of the agent; each command group registers itself here.

The Typer `app` is built on first use (module `__getattr__`), so `collect` — which runs on every
machine and is parsed with argparse — never pays for importing Typer.
"""

from __future__ import annotations

import sys
from importlib import import_module

# Modules that add commands: each exposes `register(app)`.
COMMAND_MODULES = ["agent.collect_cli", "agent.service_cli"]


def _build_app():
    import typer

    app = typer.Typer(
        name="footprint-agent",
        help="Footprint agent: inventories this machine and reports it to the Footprint collector.",
        no_args_is_help=True,
        add_completion=False,
    )

    @app.callback()
    def _group() -> None:
        """Keeps Typer in group mode (`footprint-agent COMMAND`) even with one command."""

    globals()["app"] = app
    for module in COMMAND_MODULES:
        import_module(module).register(app)
    return app


def __getattr__(name: str):
    if name == "app":
        return _build_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    if sys.argv[1:2] == ["collect"]:
        from agent.collect_cli import main as collect_main

        sys.exit(collect_main(sys.argv[2:]))
    if sys.argv[1:] == ["run"]:  # the resident service stays small: no Typer (nor what it pulls in)
        from agent.service_cli import run_main

        sys.exit(run_main())
    __getattr__("app")()

"""`footprint-agent`: every command and option in one argparse parser; a command's code is imported
only once its command was chosen.

argparse rather than Typer: `collect` runs on every machine in the organisation and `run` stays resident,
and importing Typer alone adds about 0.13 s to a 0.3 s collect and 5 MiB to each process (measured
with bench/collect.py and bench/idle_rss.py), so the agent ships without it.
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib import import_module
from typing import List, Optional


class _Formatter(argparse.HelpFormatter):
    """argparse's own formatter, sized without importing shutil (which brings bz2 and lzma into `run`)."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: Optional[int] = None) -> None:
        super().__init__(prog, indent_increment, max_help_position, width or _columns() - 2)


def _columns() -> int:
    """The terminal's width as shutil.get_terminal_size() reads it: $COLUMNS, then stdout, else 80."""
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):
        return 80


def _command(commands, name: str, handler: str, text: str) -> argparse.ArgumentParser:
    """A sub-command whose `module:function` handler receives its options as keyword arguments."""
    parser = commands.add_parser(name, help=text, description=text, formatter_class=_Formatter)
    parser.set_defaults(handler=handler)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="footprint-agent",
        description="Footprint agent: inventories this machine and reports it to the Footprint collector.",
        formatter_class=_Formatter,
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", dest="command")

    collect = _command(commands, "collect", "agent.collect_cli:main",
                       "Inventory this machine and print one footprint.report/1 report as JSON.")
    collect.add_argument("--output", "-o", metavar="FILE",
                         help="write the report to FILE instead of stdout (with --phone: a directory, "
                              "one <host id>.json per phone)")
    collect.add_argument("--pretty", action="store_true", help="indent the JSON")
    collect.add_argument("--root", metavar="PATH", default="/",
                         help="inventory a mounted image or container root instead of / (default: /)")
    collect.add_argument("--reg-export", metavar="FILE", action="append", default=[], dest="reg_exports",
                         help="take Windows software from a regedit export of the Uninstall keys "
                              "(repeatable; for air-gapped machines)")
    collect.add_argument("--reg-encoding", metavar="CODEPAGE",
                         help="code page of REGEDIT4 (ANSI) exports, e.g. cp1251 or cp1250 "
                              "(default: cp1251 for Cyrillic text, else cp1252)")
    collect.add_argument("--phone", metavar="ID",
                         help="inventory an attached phone instead (its serial or UDID from `footprint-agent "
                              "phones`, or `all`)")
    collect.add_argument("--summary", action="store_true",
                         help="print a human-readable summary (host, OS, counts per source, errors); "
                              "the JSON then goes only to --output")

    phones = _command(commands, "phones", "agent.phones_cli:phones_main",
                      "List the phones and tablets attached over USB (adb, libimobiledevice) and their state.")
    phones.add_argument("--json", action="store_true", dest="as_json", help="print the list as JSON")

    enroll = _command(commands, "enroll", "agent.service_cli:enroll_main",
                      "Exchange an enrollment secret for this host's key (stored 0600 in the state directory).")
    enroll.add_argument("--server", help="collector URL (default: FOOTPRINT_SERVER, enroll.env, agent.toml)")
    enroll.add_argument("--secret", help="enrollment secret (better: FOOTPRINT_ENROLL_SECRET or enroll.env, "
                                         "which other users cannot see in the process list)")
    enroll.add_argument("--force", action="store_true", help="enroll again even if already enrolled")

    send = _command(commands, "send", "agent.service_cli:send_main",
                    "Collect now and deliver the report (and anything spooled) to the collector.")
    send.add_argument("--phone", metavar="ID",
                      help="deliver an attached phone's report instead, the phone enrolled as its own host "
                           "(serial, UDID or `all`; README \"Phones\")")
    _command(commands, "run", "agent.service_cli:run_main",
             "Run as a service: check in at start, then on the interval the collector sets.")
    status = _command(commands, "status", "agent.service_cli:status_main",
                      "Show the collector, enrollment, last check-in, spooled reports and the next run.")
    status.add_argument("--json", action="store_true", dest="as_json", help="print the status as JSON")
    return parser


def main(argv: Optional[List[str]] = None) -> None:
    parser = build_parser()
    options = vars(parser.parse_args(argv))
    if options.pop("command") is None:
        parser.print_help(sys.stderr)
        sys.exit(2)
    module, _, function = options.pop("handler").partition(":")
    del parser  # the resident `run` keeps none of it
    sys.exit(getattr(import_module(module), function)(**options))

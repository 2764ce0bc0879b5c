"""Every `footprint` and `footprint-agent` command the README shows is accepted by the real parsers: the command
path exists and each option and value parses (types, choices, file options), as a user typing it would find.
Those that need no collector and no other machine (collect, classify, catalog, tokens on the embedded SQLite)
are also run, in README order, against one temporary data directory, and must succeed."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Iterator, List

import pytest
import typer

README = Path(__file__).resolve().parent.parent / "README.md"
# the README's placeholders, as a user would fill them in
PLACEHOLDERS = {"ID": "7", "HOST_ID": "0123456789ab", "URL": "https://footprint.corp.example",
                "SECRET": "fp-secret"}


def _shell_lines() -> Iterator[str]:
    """Lines of the README's ```sh blocks, continuation lines joined."""
    text = README.read_text(encoding="utf-8")
    for block in re.findall(r"^```sh\n(.*?)^```", text, flags=re.S | re.M):
        yield from block.replace("\\\n", " ").splitlines()


def _optional_parts(command: str) -> str:
    """`[--os astra|windows|…]` → `--os astra`: an optional part is shown used, with its first choice."""
    return re.sub(r"\[([^\]]*)\]", lambda m: m.group(1).split("|")[0], command)


def readme_commands() -> List[List[str]]:
    commands = []
    for line in _shell_lines():
        for part in line.split(" ; "):
            words = shlex.split(_optional_parts(part), comments=True)
            if words and words[0] in ("footprint", "footprint-agent"):
                commands.append([PLACEHOLDERS.get(w, w) for w in words])
    return commands


def _parse_footprint(args: List[str]) -> None:
    """Parse with the command tree behind the Typer app, without invoking anything: descend through the named
    groups, then let the last command (or group, with its own options) parse everything that is left. A mistake
    raises the parser's own usage error."""
    from server.cli import app

    command = typer.main.get_command(app)
    context = command.context_class(command, info_name="footprint")
    rest = list(args)
    while hasattr(command, "get_command") and rest and not rest[0].startswith("-"):  # a group, and a name
        sub = command.get_command(context, rest[0])
        if sub is None:
            raise typer.BadParameter(f"no command {rest[0]!r} in {context.command_path!r}")
        command, rest = sub, rest[1:]
        context = command.context_class(command, info_name=command.name, parent=context)
    leftover = command.make_context(command.name, rest, parent=context.parent).args
    if leftover:
        raise typer.BadParameter(f"{command.name}: unexpected {leftover!r}")


def test_the_readme_shows_both_command_lines():
    names = {c[0] for c in readme_commands()}
    assert names == {"footprint", "footprint-agent"} and len(readme_commands()) > 30


@pytest.mark.parametrize("command", readme_commands(), ids=lambda c: " ".join(c)[:60])
def test_readme_command_parses(command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for word in command:  # files the command names exist, as they would where it is typed
        if re.fullmatch(r"[\w.-]+\.(pem|xml|ocs|json|jsonl|reg)", word):
            (tmp_path / word).write_text("")
    if command[0] == "footprint-agent":
        from agent.cli import build_parser

        options = vars(build_parser().parse_args(command[1:]))
        assert options["command"] == command[1]
    else:
        _parse_footprint(command[1:])


def _runs_here(command: List[str]) -> bool:
    """Needs neither a collector nor another machine's files or database (`--root`, `--reg-export`, `--host`)
    nor a phone on a USB port (`--phone`: without one it exits 3, as documented)."""
    if command[0] == "footprint-agent":
        return command[1] == "collect" and not {"--root", "--reg-export", "--phone"} & set(command)
    return (command[1] == "classify" or command[1:3] in (["catalog", "check"], ["catalog", "show"],
                                                         ["catalog", "stats"], ["catalog", "reclassify"])
            or command[1] == "tokens" and "--host" not in command)


def test_the_readme_commands_that_need_no_collector_run_and_succeed(tmp_path):
    commands = [c for c in readme_commands() if _runs_here(c)]
    assert len(commands) >= 12 and {c[0] for c in commands} == {"footprint", "footprint-agent"}
    (tmp_path / "our-catalog").mkdir()  # an organisation's catalog directory, empty until it adds entries
    (tmp_path / "items.jsonl").write_text(
        json.dumps({"name": "Zoom Workplace (64-bit)", "publisher": "Zoom Video Communications, Inc."}) + "\n"
        + json.dumps({"name": "code", "source": "deb", "id": "code"}) + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOOTPRINT_")}
    env.update(FOOTPRINT_DATA=str(tmp_path / "data"), FOOTPRINT_CACHE_DIR=str(tmp_path / "cache"),
               FOOTPRINT_STATE_DIR=str(tmp_path / "state"))
    bin_dir = Path(sys.executable).parent
    for command in commands:
        # the README's token id is the first token this fresh data directory created
        args = ["1" if command[1:3] == ["tokens", "revoke"] and w == PLACEHOLDERS["ID"] else w for w in command]
        done = subprocess.run([str(bin_dir / args[0]), *args[1:]], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0 and "Traceback" not in done.stderr, (" ".join(command), done.stderr[-2000:])
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))  # collect --pretty -o report.json
    assert report["schema"] == "footprint.report/1" and report["software"]

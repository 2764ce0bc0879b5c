"""Every `footprint` and `footprint-agent` command the README shows is accepted by the real parsers: the command
path exists and each option and value parses (types, choices, file options), as a user typing it would find.
Nothing runs: parsing stops before a command's body, so no collector or database is needed."""

from __future__ import annotations

import re
import shlex
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

"""`footprint targets`: migration targets over the admin REST API — list with progress and status, show the
violating hosts by department (a CSV action list), add, edit, remove, load a TOML file, and the change history."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any, Dict, List, Optional

import tomllib
import typer

from server.cli.options import (
    HostKind,
    KindOption,
    OsOption,
    OutputOption,
    ServerOption,
    StaleDaysOption,
    TagOption,
    TokenOption,
    checked_tags,
)
from server.cli.remote.client import ApiClient, fail
from server.render import OutputFormat, first_and_more, render, render_csv, render_table
from server.target_model import TargetError, parse_file, parse_target, target_dict

targets_app = typer.Typer(help="Migration targets with deadlines: progress, projection, status, who is late.")
LIST_COLUMNS = ["name", "remove", "due", "status", "hosts_in_scope", "compliant_hosts", "violating_hosts",
                "violating_installs", "compliant_share", "per_week", "projected"]
TABLE_COLUMNS = ["name", "due", "status", "hosts_in_scope", "violating_hosts", "violating_installs",
                 "compliant_share", "projected"]  # 80 columns; JSON and CSV have every figure
ACTION_COLUMNS = ["group", "hostname", "host_id", "os_name", "last_seen", "product", "vendor", "country",
                  "installs", "alternatives"]
RemoveOption = typer.Option(None, "--remove", help="What must be gone: foreign, foreign-proprietary, foreign-os, "
                                                   "category:ID, vendor:ID or product:ID.")
DueOption = typer.Option(None, "--due", help="The date it must be gone by (YYYY-MM-DD).")
DescriptionOption = typer.Option(None, "--description", help="What the target is for (e.g. the decree).")
MilestoneOption = typer.Option([], "--milestone",
                               help="DATE:SHARE[:KEY=VALUE,…], e.g. 2027-03-01:50:dept=finance (repeatable).")


def _row(t: dict) -> dict:
    """A target's line in the list: its figures, the projection's rate and completion day."""
    p = t["projection"]
    return {**t, "per_week": p["per_week"], "projected": p["completion"] or "-"}


@targets_app.callback(invoke_without_command=True)
def targets(ctx: typer.Context, output: OutputFormat = OutputOption, server: Optional[str] = ServerOption,
            token: Optional[str] = TokenOption) -> None:
    """Every target: hosts in scope, compliant and violating, the recent rate, projected completion, status."""
    if ctx.invoked_subcommand is not None:
        return
    data = ApiClient(server, token).get("/targets")
    rows = [_row(t) for t in data["targets"]]
    if output != OutputFormat.table:
        typer.echo(render(data, rows, LIST_COLUMNS, output))
        return
    if not rows:
        typer.echo("no targets yet: footprint targets add NAME --remove foreign --due 2027-01-01")
        return
    headers = {"hosts_in_scope": "hosts", "compliant_hosts": "ok", "violating_hosts": "late",
               "violating_installs": "installs", "compliant_share": "ok %", "per_week": "-/week"}
    table = [{headers.get(c, c): r[c] for c in TABLE_COLUMNS} for r in rows]
    typer.echo(render_table(table, [headers.get(c, c) for c in TABLE_COLUMNS]))
    typer.echo("\n" + textwrap.fill(f"projected: {data['method']}", 80))


def _action_rows(data: dict) -> List[dict]:
    """One row per violating host and offending product: what the migration team works through."""
    rows = []
    for group in data["violating"]:
        for host in group["hosts"]:
            for item in host["items"]:
                rows.append({"group": group["group"], "hostname": host["hostname"], "host_id": host["id"],
                             "os_name": host["os_name"], "last_seen": host["last_seen"], "product": item["name"],
                             "vendor": item["vendor"], "country": item["country"], "installs": item["installs"],
                             "alternatives": [a["name"] for a in item["alternatives"]]})
    return rows


def _show_table(data: dict) -> str:
    p = data["projection"]
    projected = (f"{p['completion']} at {p['per_week']} installs fewer a week" if p["completion"]
                 else "none: offending installs are not falling")
    lines = [f"Target {data['name']}: {data['remove']} gone by {data['due']} ({data['days_left']} days left) — "
             f"{data['status'].upper()}",
             f"Hosts in scope: {data['hosts_in_scope']}; compliant {data['compliant_hosts']} "
             f"({data['compliant_share']:.1f}%), violating {data['violating_hosts']} with "
             f"{data['violating_installs']} installs",
             f"Projected completion: {projected}", textwrap.fill(f"({data['method']})", 80)]
    for m in data["milestones"]:
        scope = f" of {', '.join(m['tags'])}" if m["tags"] else ""
        lines.append(f"Milestone {m['date']}: {m['share']:.0f}%{scope} compliant — now {m['compliant_share']:.1f}%, "
                     f"{m['status']}")
    tag = data["group_tag"]
    departments = [{tag: d["group"] or "(none)", "hosts": d["hosts_in_scope"], "ok": d["compliant_hosts"],
                    "late": d["violating_hosts"], "installs": d["violating_installs"], "ok %": d["compliant_share"]}
                   for d in data["departments"]]
    sections = ["\n".join(lines), render_table(departments, [tag, "hosts", "ok", "late", "installs", "ok %"])]
    for group in data["violating"]:
        hosts = [{"host": h["hostname"], "last seen": (h["last_seen"] or "")[:16].replace("T", " "),
                  "offending": first_and_more([i["name"] for i in h["items"]]),
                  "alternatives": first_and_more(sorted({a["name"] for i in h["items"] for a in i["alternatives"]}))}
                 for h in group["hosts"]]
        sections.append(f"{tag} {group['group'] or '(none)'}: {len(hosts)} violating hosts\n"
                        + render_table(hosts, ["host", "last seen", "offending", "alternatives"]))
    return "\n\n".join(sections)


@targets_app.command("show")
def show(
    name: str = typer.Argument(..., help="The target's name."),
    group_tag: str = typer.Option("dept", "--group-tag", help="The tag that names a host's department."),
    csv: bool = typer.Option(False, "--csv", help="The action list: one row per violating host and product."),
    output: OutputFormat = OutputOption,
    server: Optional[str] = ServerOption,
    token: Optional[str] = TokenOption,
) -> None:
    """The violating hosts with their offending items, alternatives and last seen, by department."""
    data = ApiClient(server, token).get(f"/targets/{_checked_name(name)}", group_tag=group_tag)
    if csv or output == OutputFormat.csv:
        typer.echo(render_csv(_action_rows(data), ACTION_COLUMNS).rstrip("\n"))
    elif output == OutputFormat.json:
        typer.echo(render(data, [], [], output))
    else:
        typer.echo(_show_table(data))


def _checked_name(name: str) -> str:
    try:
        parse_target({"name": name, "remove": "foreign", "due": "2000-01-01"})
    except TargetError as exc:
        raise typer.BadParameter(str(exc), param_hint="NAME") from None
    return name


def _milestones(values: List[str]) -> List[dict]:
    """`DATE:SHARE[:KEY=VALUE,…]` → the milestone tables parse_target reads."""
    found = []
    for value in values:
        parts = value.split(":", 2)
        if len(parts) < 2:
            raise typer.BadParameter(f"{value!r}: expected DATE:SHARE[:KEY=VALUE,…], e.g. 2027-03-01:50:dept=finance",
                                     param_hint="--milestone")
        try:
            share: Any = float(parts[1])
        except ValueError:
            share = parts[1]
        found.append({"date": parts[0], "share": share, "tags": parts[2].split(",") if len(parts) > 2 else []})
    return found


def _send(client: ApiClient, data: Dict[str, Any], method: str) -> str:
    try:
        target = parse_target({k: v for k, v in data.items() if v is not None})
    except TargetError as exc:
        raise fail(str(exc)) from None
    path = "/targets" if method == "POST" else f"/targets/{target.name}"
    return client.request(method, path, json=target_dict(target))["action"]


@targets_app.command("add")
def add(
    name: str = typer.Argument(..., help="A short name: letters, digits, '.', '_', '-'."),
    remove: Optional[str] = RemoveOption,
    due: Optional[str] = DueOption,
    description: Optional[str] = DescriptionOption,
    milestone: List[str] = MilestoneOption,
    tag: List[str] = TagOption,
    os: Optional[str] = OsOption,
    kind: Optional[HostKind] = KindOption,
    stale_days: Optional[int] = StaleDaysOption,
    server: Optional[str] = ServerOption,
    token: Optional[str] = TokenOption,
) -> None:
    """Add a target: what must be gone (--remove) from which hosts (the host filter) by when (--due)."""
    data = {"name": name, "remove": remove, "due": due, "description": description, "tags": checked_tags(tag),
            "os": os, "kind": kind.value if kind else None, "stale_days": stale_days,
            "milestones": _milestones(milestone)}
    _send(ApiClient(server, token), data, "POST")
    typer.echo(f"added target {name}")


@targets_app.command("edit")
def edit(
    name: str = typer.Argument(..., help="The target to change."),
    remove: Optional[str] = RemoveOption,
    due: Optional[str] = DueOption,
    description: Optional[str] = DescriptionOption,
    milestone: List[str] = typer.Option([], "--milestone", help="DATE:SHARE[:KEY=VALUE,…]; replaces the milestones."),
    clear_milestones: bool = typer.Option(False, "--clear-milestones", help="Drop every milestone."),
    tag: List[str] = typer.Option([], "--tag", help="KEY=VALUE (repeatable); replaces the scope's tags."),
    os: Optional[str] = OsOption,
    kind: Optional[HostKind] = KindOption,
    stale_days: Optional[int] = StaleDaysOption,
    server: Optional[str] = ServerOption,
    token: Optional[str] = TokenOption,
) -> None:
    """Change the given fields of a target; the others stay as they are (the change is recorded)."""
    client = ApiClient(server, token)
    current = client.get(f"/targets/{_checked_name(name)}", limit=1)
    data = {k: current[k] for k in ("name", "remove", "due", "description", "tags", "os", "kind", "stale_days")}
    data["milestones"] = [{k: m[k] for k in ("date", "share", "tags")} for m in current["milestones"]]
    given = {"remove": remove, "due": due, "description": description, "os": os,
             "kind": kind.value if kind else None, "stale_days": stale_days}
    data.update({k: v for k, v in given.items() if v is not None})
    if tag:
        data["tags"] = checked_tags(tag)
    if milestone or clear_milestones:
        data["milestones"] = _milestones(milestone)
    action = _send(client, data, "PUT")
    typer.echo(f"target {name}: {'nothing changed' if action == 'unchanged' else 'changed'}")


@targets_app.command("remove")
def remove_target(name: str = typer.Argument(..., help="The target to remove."),
                  server: Optional[str] = ServerOption, token: Optional[str] = TokenOption) -> None:
    """Remove a target (the history keeps its last definition)."""
    ApiClient(server, token).request("DELETE", f"/targets/{_checked_name(name)}")
    typer.echo(f"removed target {name}")


@targets_app.command("load")
def load(path: Path = typer.Argument(..., help="A TOML file of [[target]] tables (docs/targets.md).", dir_okay=False),
         server: Optional[str] = ServerOption, token: Optional[str] = TokenOption) -> None:
    """Add or replace every target the file defines (kept in version control); all are checked before any is sent."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise fail(f"{path}: cannot read it: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise fail(f"{path}: not valid TOML: {exc}") from None
    try:
        found = parse_file(data, str(path))
    except TargetError as exc:
        raise fail(str(exc)) from None
    client = ApiClient(server, token)
    for target in found:
        action = client.request("PUT", f"/targets/{target.name}", json=target_dict(target))["action"]
        typer.echo(f"{target.name}: {action}")


def _changed(change: dict) -> str:
    before, after = change["before"] or {}, change["after"] or {}
    if not before or not after:
        return ""
    return ", ".join(k for k in after if before.get(k) != after.get(k))


@targets_app.command("history")
def history(
    name: Optional[str] = typer.Argument(None, help="Only this target's changes."),
    limit: int = typer.Option(1000, "--limit", min=1, max=100_000),
    output: OutputFormat = OutputOption,
    server: Optional[str] = ServerOption,
    token: Optional[str] = TokenOption,
) -> None:
    """Every add, edit and removal: when, who (which admin token), what changed, before and after (JSON)."""
    data = ApiClient(server, token).get("/target-changes", target=name and _checked_name(name), limit=limit)
    rows = [{**c, "at": c["at"][:19].replace("T", " "), "changed": _changed(c)} for c in data["changes"]]
    typer.echo(render(data, rows, ["at", "target", "action", "who", "changed"], output))


def register(app: typer.Typer) -> None:
    app.add_typer(targets_app, name="targets")

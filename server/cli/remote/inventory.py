"""Query commands over the admin REST API: `hosts` (and `hosts remove`), `host ID`, `software`."""

from __future__ import annotations

from enum import Enum
from typing import List, Optional

import typer

from server.cli.options import (
    HostKind,
    IncompleteOption,
    KindOption,
    OsOption,
    OutputOption,
    SeenWithinOption,
    ServerOption,
    StaleDaysOption,
    TagOption,
    TokenOption,
    checked_tags,
)
from server.cli.remote.client import ApiClient
from server.render import SHORT_GROUPS, OutputFormat, first_and_more, render

ID_SHOWN = 12  # id characters in the hosts table; enough to be unique in any real fleet
hosts_app = typer.Typer(help="Enrolled hosts: list them (with filters), remove one, or let one enroll again.")


class ForeignSort(str, Enum):
    """`footprint hosts --foreign --sort` choices."""

    foreign_count = "foreign-count"
    foreign_proprietary = "foreign-proprietary"
    share = "share"
    hostname = "hostname"


REFUSAL_CELLS = ["status", "refused_at", "refused_status", "refused_error", "refused_detail"]


def _refusal_cells(refusal: Optional[dict], table: bool) -> dict:
    """The host's last refused report as CSV columns (the table shows only the `status` marker)."""
    if table or not refusal:
        return {}
    return {"refused_at": refusal["at"], "refused_status": refusal["status"],
            "refused_error": refusal["error"], "refused_detail": refusal["detail"]}


def _status(host: dict) -> str:
    """`refused` while its last report was refused, `incomplete` while its last applied one carries source errors."""
    refusal = host.get("last_refusal")
    marks = ["refused"] if refusal and refusal["current"] else []
    return ", ".join(marks + (["incomplete"] if host["error_count"] else []))


INCOMPLETE_COLUMNS = ["id", "hostname", "os", "last_seen", "errors", "why"]
INCOMPLETE_TABLE = ["id", "hostname", "errors", "why"]  # 80 columns: room for the reason


def _incomplete_rows(listed: List[dict], table: bool) -> List[dict]:
    """`hosts --incomplete`: each host with its source error count and why, `source: message (path)`; the table
    shows the first error without its path."""
    rows = []
    for h in listed:
        if table:
            first = h["errors"][:1]
            why = "".join(f"{e['source']}: {e['message']}" for e in first)
            why += f" +{h['error_count'] - 1}" if h["error_count"] > 1 else ""
        else:
            why = "; ".join(f"{e['source']}: {e['message']}" + (f" ({e['path']})" if e.get("path") else "")
                            for e in h["errors"])
        rows.append({"id": h["id"][:ID_SHOWN] if table else h["id"], "hostname": h["hostname"],
                     "os": " ".join(filter(None, [h["os_name"], h["os_version"]])) or h["os_family"],
                     "last_seen": _when(h["last_seen"]), "errors": h["error_count"], "why": why})
    return rows


def _refusal_line(refusal: Optional[dict]) -> Optional[str]:
    """`footprint host`: "last report refused: …", the reason naming the field."""
    if not refusal:
        return None
    line = f"{_when(refusal['at'])} UTC, {refusal['status']} {refusal['error']}: {refusal['detail']}"
    return line if refusal["current"] else f"{line} (a later report was applied)"


def _when(value: Optional[str]) -> str:
    """RFC 3339 from the API → `2026-11-23 11:20` for an 80-column table."""
    return value[:16].replace("T", " ") if value else ""


@hosts_app.callback(invoke_without_command=True)
def hosts(
    ctx: typer.Context,
    os: Optional[str] = OsOption,
    kind: Optional[HostKind] = KindOption,
    tag: List[str] = TagOption,
    not_seen_days: Optional[float] = typer.Option(None, min=0, help="Only hosts silent this long."),
    incomplete: bool = IncompleteOption,
    foreign: bool = typer.Option(False, "--foreign", help="Current hosts with foreign software, worst first."),
    sort: ForeignSort = typer.Option(ForeignSort.foreign_count, "--sort", help="With --foreign: the order."),
    seen_within: Optional[int] = SeenWithinOption,
    stale_days: Optional[int] = StaleDaysOption,
    limit: int = typer.Option(50, "--limit", min=1, max=100_000, help="With --foreign: at most this many."),
    output: OutputFormat = OutputOption,
    server: Optional[str] = ServerOption,
    token: Optional[str] = TokenOption,
) -> None:
    """List hosts (not removed): name, OS, last seen, software count, tags; --foreign: the largest footprints."""
    if ctx.invoked_subcommand is not None:
        return
    if foreign:
        params = {"tag": checked_tags(tag), "os": os, "kind": kind.value if kind else None,
                  "seen_within_days": seen_within, "stale_days": stale_days,
                  "sort": sort.value, "limit": limit}
        data = ApiClient(server, token).get("/foreign-hosts", **params)
        table = output == OutputFormat.table
        rows = [{**h, "id": h["id"][:ID_SHOWN] if table else h["id"], "last_seen": _when(h["last_seen"]),
                 "proprietary": h["foreign_proprietary"], "share %": h["foreign_share"]} for h in data["hosts"]]
        columns = ["id", "hostname", "os_name", "installs", "foreign", "proprietary", "share %", "last_seen"]
        typer.echo(render(data, rows, columns, output))
        return
    params = {"os": os, "kind": kind.value if kind else None, "tag": checked_tags(tag),
              "not_seen_days": not_seen_days, "incomplete": incomplete or None, "limit": 100_000}
    data = ApiClient(server, token).get("/hosts", **params)
    table = output == OutputFormat.table
    if incomplete:
        columns = INCOMPLETE_TABLE if table else INCOMPLETE_COLUMNS
        typer.echo(render(data, _incomplete_rows(data["hosts"], table), columns, output))
        return
    rows = [
        {
            **h,
            "id": h["id"][:ID_SHOWN] if table else h["id"],  # `footprint host` takes the prefix
            "os": " ".join(filter(None, [h["os_name"], h["os_version"]])) or h["os_family"],
            "last_seen": _when(h["last_seen"]),
            "items": h["software_count"],
            "tags": ",".join(f"{k}={v}" for k, v in sorted(h["tags"].items())),
            **_refusal_cells(h.get("last_refusal"), table),
            "status": _status(h),
            "errors": h["error_count"],
        }
        for h in data["hosts"]
    ]
    columns = ["id", "hostname", "os", "last_seen", "items", "tags"]
    if not table:
        columns += [*REFUSAL_CELLS, "errors"]
    elif any(row["status"] for row in rows):
        columns.append("status")
    if any(h.get("kind", "computer") != "computer" for h in data["hosts"]):  # a fleet with phones says which
        columns.insert(2, "kind")
    typer.echo(render(data, rows, columns, output))


@hosts_app.command("remove")
def hosts_remove(
    host_id: str = typer.Argument(..., help="Host id from `footprint hosts`."),
    purge: bool = typer.Option(False, help="Also delete its inventory and history."),
    server: Optional[str] = ServerOption,
    token: Optional[str] = TokenOption,
) -> None:
    """Remove a host: its key stops working at once and it leaves every list and total."""
    from urllib.parse import quote

    ApiClient(server, token).request("DELETE", f"/hosts/{quote(host_id, safe='')}", params={"purge": purge})
    typer.echo(f"removed host {host_id}" + (" and its history" if purge else ""))


@hosts_app.command("reenroll")
def hosts_reenroll(
    host_id: str = typer.Argument(..., help="Host id (or unique prefix) or hostname."),
    valid_hours: int = typer.Option(24, "--valid-hours", min=1, max=720, help="How long the secret works."),
    server: Optional[str] = ServerOption,
    token: Optional[str] = TokenOption,
) -> None:
    """Let a known host enroll again without its key (a reinstalled machine): a one-time secret."""
    from urllib.parse import quote

    data = ApiClient(server, token).request(
        "POST", f"/hosts/{quote(host_id, safe='')}/reenroll", params={"valid_hours": valid_hours}
    )
    typer.echo(f"host {data['host_id']} may enroll again once, until {_when(data['expires_at'])} UTC, with:")
    typer.echo(data["secret"])
    typer.echo(f"on that machine: footprint-agent enroll --force --secret {data['secret'][:8]}… "
               "(or FOOTPRINT_ENROLL_SECRET)")


FACTS = [
    ("hostname", "hostname"),
    ("fqdn", "fqdn"),
    ("kind", "kind"),
    ("os", None),
    ("security patch", "os_security_patch"),
    ("kernel", "os_kernel"),
    ("arch", "os_arch"),
    ("hardware", None),
    ("memory", None),
    ("serial", "hw_serial"),
    ("agent", "agent_version"),
    ("first seen", "first_seen"),
    ("last seen", "last_seen"),
    ("last report", "last_report_at"),
    ("tags", None),
    ("software", "software_count"),
]


def _fact_rows(host: dict) -> List[dict]:
    derived = {
        "os": " ".join(filter(None, [host["os_name"], host["os_version"], host["os_display_version"]])),
        "hardware": " ".join(filter(None, [host["hw_vendor"], host["hw_model"], host["cpu_model"]])),
        "memory": f"{host['memory_bytes'] / 2**30:.1f} GiB" if host["memory_bytes"] else "",
        "tags": ", ".join(f"{k}={v}" for k, v in sorted(host["tags"].items())),
    }
    rows = []
    for label, key in FACTS:
        value = derived[label] if key is None else host.get(key)
        if key and key.endswith(("_seen", "_at")):
            value = _when(value)
        if key == "os_security_patch" and value is None:  # a computer has none
            continue
        rows.append({"fact": label, "value": value})
    rows += [
        {"fact": f"interface {n['name']}", "value": " ".join(filter(None, [n["mac"], n["addresses"]]))}
        for n in host["interfaces"]
    ]
    return rows


def host(
    host_id: str = typer.Argument(..., help="Host id (or unique prefix) or hostname."),
    output: OutputFormat = OutputOption,
    server: Optional[str] = ServerOption,
    token: Optional[str] = TokenOption,
) -> None:
    """One host: its facts, then each item with its classification, matched rule and alternatives."""
    from urllib.parse import quote

    data = ApiClient(server, token).get(f"/hosts/{quote(host_id, safe='')}/classified")
    items_rows = [{**i, "status": SHORT_GROUPS.get(i["group"], i["group"]),
                   "alternatives": [a["name"] for a in i.get("alternatives", [])]} for i in data["software"]]
    if output == OutputFormat.table:
        for row in items_rows:
            row["alternatives"] = first_and_more(row["alternatives"])
    software_columns = ["name", "version", "source", "publisher", "group", "vendor_name", "product_name",
                        "country", "license", "rule", "alternatives"]
    if output == OutputFormat.table:
        facts = render(data, _fact_rows(data), ["fact", "value"], output)
        refused = _refusal_line(data.get("last_refusal"))
        if refused:  # in full, not cut to the table's width: the detail names the field
            facts += f"\n\nlast report refused: {refused}"
        if data["errors"]:
            facts += f"\n\nincomplete: its last report carries {len(data['errors'])} source error(s):\n" + "\n".join(
                f"  {e['source']}: {e['message']}" + (f" ({e['path']})" if e.get("path") else "")
                for e in data["errors"])
        items = render(data, items_rows, ["name", "version", "status", "product_name", "alternatives"], output)
        typer.echo(f"{facts}\n\nsoftware ({len(data['software'])}):\n{items}")
        rules = {(i["product_name"] or i["vendor_name"], i["rule"]) for i in data["software"] if i["rule"]}
        rule_rows = [{"matched": name, "rule": rule} for name, rule in sorted(rules)]
        typer.echo(f"\nrules that matched:\n{render(data, rule_rows, ['matched', 'rule'], output)}")
    else:
        typer.echo(render(data, items_rows, software_columns, output))


def software(
    name: Optional[str] = typer.Option(None, help="Part of the name (case-insensitive)."),
    source: Optional[str] = typer.Option(None, help="deb, rpm, windows, macos-app, …"),
    os: Optional[str] = OsOption,
    kind: Optional[HostKind] = KindOption,
    tag: List[str] = TagOption,
    limit: int = typer.Option(1000, min=1, max=100_000),
    output: OutputFormat = OutputOption,
    server: Optional[str] = ServerOption,
    token: Optional[str] = TokenOption,
) -> None:
    """Distinct software titles with the number of hosts that have each, most common first."""
    params = {"name": name, "source": source, "os": os, "kind": kind.value if kind else None,
              "tag": checked_tags(tag), "limit": limit}
    data = ApiClient(server, token).get("/software", **params)
    columns = ["name", "version", "source", "publisher", "hosts"]
    typer.echo(render(data, data["software"], columns, output))


def register(app: typer.Typer) -> None:
    app.add_typer(hosts_app, name="hosts")
    app.command("host")(host)
    app.command("software")(software)

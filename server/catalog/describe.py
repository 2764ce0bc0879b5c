"""Human-readable text for one classification (shared by the full CLI and the fast entry point)."""

from __future__ import annotations

from server.catalog.normalize import normalize


def describe(name: str, r: dict) -> str:
    """The `footprint classify --name` text: one labelled line per fact, the rule last but one."""
    def named(display: str, ident: str) -> str:
        return f"{display} ({ident})" if ident else "-"

    alternatives = [
        f"{a['name']} ({a['vendor']}, {a['country'] or '?'}, {a['license']}"
        + (f", register {a['register']}" if a["register"] else "") + ")"
        for a in r["alternatives"]
    ]
    status = r["status"] + (f" ({r['license']})" if r["status"] == "foreign" and r["license"] else "")
    lines = [
        ("name", name), ("normalized", normalize(name)), ("vendor", named(r["vendor_name"], r["vendor"])),
        ("product", named(r["product_name"], r["product"])), ("category", r["category"] or "-"),
        ("country", r["country"] or "-"), ("status", status), ("license", r["license"] or "-"),
        ("register", r["register"] or "-"),
        ("rule", r["rule"] or "none: no catalog rule matched (unknown, not a guess)"),
    ]
    if r["os_component"]:
        lines.append(("os component", "yes: counted under the host's operating system"))
    lines.append(("alternatives", "; ".join(alternatives) or "-"))
    return "\n".join(f"{k + ':':<14}{v}" for k, v in lines)

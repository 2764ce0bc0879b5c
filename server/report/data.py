"""The report's figures, fetched from the collector's totals API — the same answers `footprint summary`,
`products`, `hosts --foreign` and `trend` print for the same filters, so the report cannot disagree with them."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional

from server.catalog.taxonomy import CATEGORIES
from server.report.model import (
    BurndownPoint,
    CategoryRow,
    DepartmentRow,
    ExtensionRow,
    HostRow,
    MilestoneRow,
    OsRow,
    PhonesData,
    ProductRow,
    ReportData,
    TargetSection,
    TrendPoint,
    UnusedFigures,
    VendorRow,
)

Get = Callable[..., Any]  # ApiClient.get: (path, **query parameters) -> decoded JSON

TOP = 10
WORST_HOSTS = 25
CATEGORY_ROWS = 12


def _alternatives(row: dict) -> List[str]:
    """Each alternative with its country and, where recorded, its Russian software register entry."""
    named = []
    for a in row.get("alternatives", []):
        facts = [f for f in (a.get("country"), f"register {a['register']}" if a.get("register") else "") if f]
        named.append(f"{a['name']} ({', '.join(facts)})" if facts else a["name"])
    return named


def _product(row: dict) -> ProductRow:
    return ProductRow(
        name=row["name"], vendor=row.get("vendor") or "", country=row.get("country") or "",
        group=row.get("group") or "", category=CATEGORIES.get(row.get("category") or "", row.get("category") or ""),
        installs=row["installs"], hosts=row["hosts"], alternatives=_alternatives(row),
    )


def _phones(get: Get, filters: Dict[str, Any]) -> Optional[PhonesData]:
    """The phones' own summary (kind phone), unless the filters ask for computers or tablets, or none reports."""
    if filters.get("kind") not in (None, "phone"):
        return None
    summary = get("/summary", top=TOP, **{**filters, "kind": "phone"})
    if not summary["hosts"]["reporting"]:
        return None
    return PhonesData(
        hosts=summary["hosts"]["reporting"], hosts_with_foreign=summary["hosts_with_foreign"],
        operating_systems=[OsRow(o["os"], o.get("country") or "", o.get("status") or "", o["hosts"])
                           for o in summary["operating_systems"]],
        top_products=[_product(p) for p in summary["top_foreign_products"]],
    )


def _target(get: Get, t: dict, method: str) -> TargetSection:
    """A target's section: its `footprint targets` figures and its per-department table (`targets show`)."""
    shown = get(f"/targets/{t['name']}", limit=1)
    p = t["projection"]
    start = p.get("start")
    return TargetSection(
        name=t["name"], description=t["description"], remove=t["remove"], due=t["due"], status=t["status"],
        hosts_in_scope=t["hosts_in_scope"], compliant_hosts=t["compliant_hosts"],
        violating_hosts=t["violating_hosts"], violating_installs=t["violating_installs"],
        compliant_share=t["compliant_share"], per_week=p["per_week"], completion=p["completion"],
        projection_start=(start["at"], start["violating_installs"]) if start else None, method=method,
        burndown=[BurndownPoint(b["week"], b["at"], b["violating_installs"]) for b in t["burndown"]],
        milestones=[MilestoneRow(m["date"], m["share"], ", ".join(m["tags"]), m["compliant_share"], m["status"])
                    for m in t["milestones"]],
        departments=[DepartmentRow(d["group"] or "(none)", d["hosts_in_scope"], d["compliant_hosts"],
                                   d["violating_hosts"], d["violating_installs"], d["compliant_share"])
                     for d in shown["departments"]],
        group_tag=shown["group_tag"],
    )


def fetch(get: Get, filters: Dict[str, Any], since: Optional[str] = None) -> ReportData:
    """Every figure of the report for `filters` (the API's tag, os, seen_within_days, stale_days) with the
    trend from `since` (YYYY-MM-DD)."""
    summary = get("/summary", top=TOP, **filters)
    foreign = get("/products", status=["foreign"], **filters)["products"]
    worst = get("/foreign-hosts", limit=WORST_HOSTS, **filters)["hosts"]
    trend = get("/trend", since=since, by="month", **filters)["trend"]
    listed = get("/targets")
    by_status = {row["status"]: row for row in summary["installs_by_status"]}
    return ReportData(
        generated_at=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        filters={k: ", ".join(v) if isinstance(v, list) else str(v) for k, v in filters.items() if v}
        | ({"trend since": since} if since else {}),
        hosts_current=summary["hosts"]["reporting"],
        hosts_stale=summary["hosts"]["stale"],
        hosts_with_foreign=summary["hosts_with_foreign"],
        foreign_host_share=summary["hosts_with_foreign_share"],
        hosts_domestic_os=summary["domestic_os_hosts"],
        domestic_os_share=summary["domestic_os_share"],
        installs_by_group={status: row["installs"] for status, row in by_status.items()},
        group_shares={status: row["share"] for status, row in by_status.items()},
        categories=[
            CategoryRow(CATEGORIES[row["category"]], {g: row.get(g, 0) for g in by_status})
            for row in summary["by_category"] if row["category"] in CATEGORIES
        ][:CATEGORY_ROWS],
        uncategorised_installs=sum(r["installs"] for r in summary["by_category"] if r["category"] not in CATEGORIES),
        installs_by_country={row["country"]: row["installs"] for row in summary["by_country"]},
        top_vendors=[VendorRow(v["name"] or v["vendor"], v.get("country") or "", v["installs"], v["hosts"])
                     for v in summary["top_foreign_vendors"]],
        top_products=[_product(p) for p in summary["top_foreign_products"]],
        foreign_products=[_product(p) for p in foreign],
        worst_hosts=[
            HostRow(h["hostname"], h.get("os_name") or "", h["foreign"], h["installs"], (h.get("last_seen") or "")[:10])
            for h in worst
        ],
        trend=[TrendPoint(t["period"], t["foreign_installs"], t["hosts_with_foreign"], t["hosts_with_foreign_share"])
               for t in trend],
        phones=_phones(get, filters),
        targets=[_target(get, t, listed["method"]) for t in listed["targets"]],
        hosts_incomplete=summary["hosts_incomplete"],
        hosts_without_foreign=summary["hosts_without_foreign"],
        incomplete_reasons=[(f"{r['source']}: {r['message']}", r["hosts"]) for r in summary["incomplete_reasons"]],
        **_extensions(summary["extensions"]),
        unused=UnusedFigures(**{k: v for k, v in summary["unused"].items() if k != "no_use_recorded_share"}),
    )


def _extensions(ext: dict) -> Dict[str, Any]:
    """The extensions' installs and their top foreign ones per browser or IDE, from the summary's own section."""
    foreign = sum(g["installs"] for g in ext["installs_by_status"] if g["status"] in ("foreign-proprietary",
                                                                                     "foreign-open-source"))
    return {"extension_installs": ext["installs"], "foreign_extension_installs": foreign,
            "top_extensions": [ExtensionRow(r["name"], r.get("vendor") or "", r.get("country") or "", r["group"],
                                            r["application"] or "", r["hosts"], r["installs"])
                               for r in ext["top_foreign_by_application"]]}

"""The footprint totals: the admin's questions answered from the maintained aggregates, never from raw reports.

Every figure is over the *current* hosts (not revoked, seen within the stale period, matching the filters);
stale hosts are counted apart. Installs exclude distribution packages (counted under their host's OS, which
is one install itself). Fleet-wide sums come from `class_totals` minus the hosts left out, or from the
hosts kept, whichever set is smaller (server/store/aggregates.py keeps both exact).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from sqlalchemy import Connection, Select, and_, exists, false, func, or_, select, true

from server.settings import env
from server.store import daily
from server.store.aggregates import (
    GROUP_COLUMNS,
    VENDOR_MODES,
    unknown_links,
    usage_rows,
    use_day,
    vendor_hosts,
)
from server.store.queries import host_conditions, incomplete_host
from server.store.tables import (
    class_daily,
    class_totals,
    classes,
    flag_daily,
    host_classes,
    host_errors,
    host_software,
    host_totals,
    hosts,
    software_titles,
    title_classes,
    unknown_names,
    usage_totals,
    vendor_totals,
)

GROUPS = tuple(GROUP_COLUMNS)
FOREIGN = ("foreign-proprietary", "foreign-open-source")
UNRESOLVED_FOREIGN = "(foreign, not resolved)"  # by-country row of foreign software whose country is unknown
# Browser and IDE extensions are counted apart from programs: left out of the headline figures unless asked for.
EXTENSIONS = ("exclude", "include", "only")
STALE_DAYS_ENV = "FOOTPRINT_STALE_DAYS"
DEFAULT_STALE_DAYS = 30


def stale_days_default() -> int:
    return int(env(STALE_DAYS_ENV, str(DEFAULT_STALE_DAYS)))


@dataclass(frozen=True)
class HostFilter:
    """Which hosts a question is about: tags (k=v, all must match), OS family, distro id or name, device kind
    (computer, phone, tablet), last-seen window."""

    tags: Tuple[Tuple[str, str], ...] = ()
    os: Optional[str] = None
    kind: Optional[str] = None
    seen_within_days: Optional[int] = None
    stale_days: int = field(default_factory=stale_days_default)
    now: Optional[datetime] = None

    def cutoff(self) -> datetime:
        days = self.stale_days if self.seen_within_days is None else min(self.stale_days, self.seen_within_days)
        return (self.now or datetime.now(timezone.utc)) - timedelta(days=days)

    def stale_cutoff(self) -> datetime:
        return (self.now or datetime.now(timezone.utc)) - timedelta(days=self.stale_days)

    def matching(self):
        """Conditions on `hosts` for the filters other than last-seen: the host listings' own filter."""
        return and_(*host_conditions(self.os, self.tags, self.kind))

    def current(self):
        return and_(self.matching(), hosts.c.last_seen >= self.cutoff(), hosts.c.collected_at.is_not(None))

    def left_out(self):
        """The hosts `current` leaves out, as a disjunction of its conditions negated one by one (NULL counts as
        not met), which PostgreSQL estimates from the columns' statistics: the negated whole was guessed at half
        the hosts, so with none left out the totals still scanned every link (100,000 hosts: unknown 51 s)."""
        _not_removed, *others = host_conditions(self.os, self.tags, self.kind)  # the first: revoked IS false
        return or_(hosts.c.revoked.is_not(False), hosts.c.last_seen.is_(None), hosts.c.last_seen < self.cutoff(),
                   hosts.c.collected_at.is_(None), *(~func.coalesce(c, false()) for c in others))

    @property
    def narrowed(self) -> bool:
        return bool(self.tags or self.os or self.kind or self.seen_within_days is not None)


def _share(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def _class_info(conn: Connection) -> Dict[int, dict]:
    return {row["id"]: dict(row) for row in conn.execute(select(classes)).mappings()}


def _kept(c: dict, extensions: str) -> bool:
    """Whether a class is counted under `--extensions exclude|include|only`."""
    return extensions == "include" or bool(c["extension"]) == (extensions == "only")


def _few_kept(conn: Connection, f: HostFilter) -> bool:
    """Whether `f` keeps at most half the stored hosts: then its figures are counted from the kept hosts' rows,
    else from the fleet's maintained sums minus the hosts it leaves out (both exact, the smaller set read)."""
    return _census(conn, f)[2]


def class_counts(conn: Connection, f: HostFilter, few: Optional[bool] = None) -> Dict[int, Tuple[int, int]]:
    """Installs and hosts per class over the current hosts of `f` (`few`: `_few_kept`, when already known)."""
    current_ids = select(hosts.c.id).where(f.current())
    counts: Dict[int, List[int]] = defaultdict(lambda: [0, 0])
    if _few_kept(conn, f) if few is None else few:
        query = (select(host_classes.c.class_id, func.sum(host_classes.c.installs), func.count())
                 .where(host_classes.c.host_id.in_(current_ids)).group_by(host_classes.c.class_id))
        for class_id, installs, n in conn.execute(query):
            counts[class_id] = [int(installs), n]
    else:
        for class_id, installs, n in conn.execute(select(class_totals)):
            counts[class_id] = [int(installs), n]
        # the left-out hosts as an IN list, so their rows are looked up by host instead of scanning them all
        left_out = select(hosts.c.id).where(f.left_out())
        query = (select(host_classes.c.class_id, func.sum(host_classes.c.installs), func.count())
                 .where(host_classes.c.host_id.in_(left_out)).group_by(host_classes.c.class_id))
        for class_id, installs, n in conn.execute(query):
            counts[class_id][0] -= int(installs)
            counts[class_id][1] -= n
    return {k: (v[0], v[1]) for k, v in counts.items() if v[0] or v[1]}


def host_counts(conn: Connection, f: HostFilter) -> dict:
    """Hosts known, reporting (current) and stale, and the current ones with foreign software or a domestic OS."""
    return _host_figures(conn, f, _class_info(conn))[0]


def _census(conn: Connection, f: HostFilter) -> Tuple[int, int, bool]:
    """Hosts known and stale under `f`, and whether it keeps few of the stored hosts (`_few_kept`): one pass."""
    known, stale, kept = conn.execute(select(
        func.count().filter(f.matching()), func.count().filter(f.matching(), hosts.c.last_seen < f.stale_cutoff()),
        func.count().filter(f.current())).select_from(hosts)).one()
    stored = conn.execute(select(func.count()).select_from(host_totals)).scalar_one()
    return known, stale, kept <= stored - kept


FIGURES = 10  # per OS class: hosts, installs, the four groups, with foreign, with proprietary, incomplete, without


def _per_os_class(where) -> Select:
    """Per OS class of the host_totals rows `where` selects: the FIGURES and the hosts that record last use."""
    ht = host_totals.c
    foreign = ht.foreign_proprietary + ht.foreign_open_source
    incomplete = ht.host_id.in_(select(host_errors.c.host_id))  # hashed once, not probed per host
    return (select(ht.os_class_id, func.count(), func.coalesce(func.sum(ht.installs), 0),
                   *[func.coalesce(func.sum(ht[c]), 0) for c in GROUP_COLUMNS.values()],
                   func.count().filter(foreign > 0), func.count().filter(ht.foreign_proprietary > 0),
                   func.count().filter(incomplete), func.count().filter(foreign == 0, ~incomplete),
                   func.count().filter(ht.recording))
            .where(where).group_by(ht.os_class_id))


def _host_figures(conn: Connection, f: HostFilter, info: Dict[int, dict],
                  census: Optional[tuple] = None) -> Tuple[dict, List[dict], int]:
    """host_counts, the current hosts per OS product (the domestic OS share's detail) and the current hosts that
    record last use, from host_totals per OS class: the whole table less the hosts left out, or the kept hosts'
    rows when few (a join of every host to its totals cost 0.15 s at 100,000 hosts); the OS name the host
    reported stands in for an OS class that names no product."""
    total, stale, few = census or _census(conn, f)
    ht = host_totals.c
    current = ht.host_id.in_(select(hosts.c.id).where(f.current()))
    per_class: Dict[Optional[int], List[int]] = defaultdict(lambda: [0] * (FIGURES + 1))
    parts = [(_per_os_class(current), 1)] if few else [
        (_per_os_class(True), 1), (_per_os_class(ht.host_id.in_(select(hosts.c.id).where(f.left_out()))), -1)]
    for query, sign in parts:
        for os_class_id, *figures in conn.execute(query):
            per_class[os_class_id] = [a + sign * int(b) for a, b in zip(per_class[os_class_id], figures)]
    sums = [sum(column) for column in zip(*per_class.values())] if per_class else [0] * (FIGURES + 1)
    unnamed = [c for c in per_class if not info.get(c, {}).get("product_name")]
    systems: Dict[tuple, dict] = {}

    def add(c: dict, name: str, n: int) -> None:
        key = (name or "(unknown)", c.get("vendor_name") or "", c.get("country") or "", c.get("status") or "unknown")
        systems.setdefault(key, {"os": key[0], "vendor": key[1], "country": key[2], "status": key[3],
                                 "hosts": 0})["hosts"] += n

    for os_class_id, figures in per_class.items():
        if os_class_id not in unnamed and figures[0]:
            add(info[os_class_id], info[os_class_id]["product_name"], figures[0])
    if unnamed:  # the hosts of an OS class without a product, per reported OS name
        query = (select(ht.os_class_id, hosts.c.os_name, func.count()).join(hosts, hosts.c.id == ht.host_id)
                 .where(f.current(), or_(ht.os_class_id.is_(None), ht.os_class_id.in_([c for c in unnamed if c])))
                 .group_by(ht.os_class_id, hosts.c.os_name))
        for os_class_id, os_name, n in conn.execute(query):
            add(info.get(os_class_id, {}), os_name, n)
    domestic_os = sum(v[0] for c, v in per_class.items() if info.get(c, {}).get("status") == "domestic")
    reporting, installs = sums[0], sums[1]
    groups = dict(zip(GROUPS, sums[2:6]))
    with_foreign, with_proprietary, incomplete_hosts, without_foreign, recording = sums[6:11]
    counts = {
        "hosts": {"known": total, "reporting": reporting, "stale": stale,
                  "not_reported_yet": total - stale - reporting if not f.seen_within_days else None},
        "hosts_with_foreign": with_foreign, "hosts_with_foreign_share": _share(with_foreign, reporting),
        "hosts_with_foreign_proprietary": with_proprietary,
        "hosts_with_foreign_proprietary_share": _share(with_proprietary, reporting),
        # an incomplete host (its last report carries source errors) is never counted free of foreign software
        "hosts_without_foreign": without_foreign, "hosts_without_foreign_share": _share(without_foreign, reporting),
        "hosts_incomplete": incomplete_hosts, "hosts_incomplete_share": _share(incomplete_hosts, reporting),
        "domestic_os_hosts": domestic_os, "domestic_os_share": _share(domestic_os, reporting),
        "installs": installs,
        "installs_by_status": [{"status": g, "installs": groups[g], "share": _share(groups[g], installs)}
                               for g in GROUPS],
    }
    return counts, sorted(systems.values(), key=lambda r: (-r["hosts"], r["os"], r["vendor"])), recording


def _rollup(counts: Dict[int, Tuple[int, int]], info: Dict[int, dict], key: str,
            groups: Sequence[str] = GROUPS) -> Dict[str, Dict[str, int]]:
    """Installs per value of a class attribute, split by group (OS components left out)."""
    out: Dict[str, Dict[str, int]] = defaultdict(lambda: dict.fromkeys(GROUPS, 0))
    for class_id, (installs, _) in counts.items():
        c = info[class_id]
        if c["os_component"] or c["extension"] or c["grp"] not in groups:
            continue
        out[c[key] or ""][c["grp"]] += installs
    return out


DEFAULT_UNUSED_DAYS = 90


def summary(conn: Connection, f: HostFilter, top: int = 10, unused_days: int = DEFAULT_UNUSED_DAYS) -> dict:
    """`footprint summary`: the headline figures of the foreign-software footprint."""
    info, census = _class_info(conn), _census(conn, f)
    few = census[2]  # which rows each figure below is counted from, decided once
    result, systems, recording = _host_figures(conn, f, info, census)
    counts = class_counts(conn, f, few)
    installs = result["installs"]
    by_category = _rollup(counts, info, "category")
    result["by_category"] = sorted(
        ({"category": k or "(unclassified)", **v, "installs": sum(v.values()),
          "foreign_share": _share(v["foreign-proprietary"] + v["foreign-open-source"], sum(v.values()))}
         for k, v in by_category.items()), key=lambda r: -r["installs"])
    by_country: Dict[str, int] = defaultdict(int)
    for country, groups in _rollup(counts, info, "country").items():
        foreign = sum(groups[g] for g in FOREIGN)
        if country:
            by_country[country] += sum(groups.values())
        else:  # certainly foreign with the country not resolved (catalog `not_from`) apart from the unknown
            by_country[UNRESOLVED_FOREIGN] += foreign
            by_country["(unknown)"] += sum(groups.values()) - foreign
    result["by_country"] = sorted(
        ({"country": k, "installs": n, "share": _share(n, installs)} for k, n in by_country.items() if n),
        key=lambda r: -r["installs"])
    result["top_foreign_vendors"] = vendors(conn, f, foreign_only=True, counts=counts, info=info, few=few)[:top]
    result["top_foreign_products"] = products(conn, f, statuses=FOREIGN, counts=counts, info=info,
                                              with_versions=False)[:top]
    result["operating_systems"] = systems
    result["extensions"] = _extensions_summary(conn, f, counts, info, top)
    result["incomplete_reasons"], result["incomplete_reasons_total"] = incomplete_reasons(conn, f, top)
    result["unused"] = unused_summary(conn, f, unused_days, info, recording, few)
    result["filters"] = describe(f)
    return result


def _extensions_summary(conn: Connection, f: HostFilter, counts, info, top: int) -> dict:
    """Browser and IDE extensions, apart from the program figures: installs by status and the top foreign ones."""
    by_group = dict.fromkeys(GROUPS, 0)
    for class_id, (installs, _) in counts.items():
        if info[class_id]["extension"]:
            by_group[info[class_id]["grp"] if info[class_id]["grp"] in by_group else "unknown"] += installs
    total = sum(by_group.values())
    foreign = [class_id for class_id in counts if info[class_id]["extension"] and info[class_id]["grp"] in FOREIGN]
    return {"installs": total,
            "installs_by_status": [{"status": g, "installs": n, "share": _share(n, total)}
                                   for g, n in by_group.items()],
            "top_foreign": products(conn, f, statuses=FOREIGN, counts=counts, info=info, with_versions=False,
                                    extensions="only")[:top],
            "top_foreign_by_application": _by_application(conn, f, foreign, info)[:top]}


def _by_application(conn: Connection, f: HostFilter, class_ids: List[int], info: Dict[int, dict]) -> List[dict]:
    """Hosts and installs of each of these extension classes per browser or IDE, most hosts first."""
    hs, tc = host_software.c, title_classes.c
    n_hosts = func.count(func.distinct(hs.host_id))
    query = (select(tc.class_id, hs.application, n_hosts, func.count())
             .join(title_classes, tc.title_id == hs.title_id).join(hosts, hosts.c.id == hs.host_id)
             .where(f.current(), tc.class_id.in_(class_ids)).group_by(tc.class_id, hs.application))
    rows = [{"name": info[class_id]["product_name"] or f"(other {info[class_id]['vendor_name']} software)",
             "vendor": info[class_id]["vendor_name"], "country": info[class_id]["country"],
             "group": info[class_id]["grp"], "application": application, "hosts": n, "installs": installs}
            for class_id, application, n, installs in conn.execute(query)] if class_ids else []
    return sorted(rows, key=lambda r: (-r["hosts"], -r["installs"], r["name"], r["application"]))


def incomplete_reasons(conn: Connection, f: HostFilter, top: int) -> Tuple[List[dict], int]:
    """Why current hosts are incomplete: the `top` source errors (source and message) by hosts reporting them,
    and how many distinct errors there are in all (so "+N more" is exact)."""
    e = host_errors.c
    n = func.count(func.distinct(e.host_id)).label("hosts")
    grouped = (select(e.source, e.message, n).join(hosts, hosts.c.id == e.host_id).where(f.current())
               .group_by(e.source, e.message))
    rows = conn.execute(grouped.order_by(n.desc(), e.source, e.message).limit(top)).mappings()
    total = conn.execute(select(func.count()).select_from(grouped.subquery())).scalar_one()
    return [dict(r) for r in rows], total


def describe(f: HostFilter) -> dict:
    return {"tags": [f"{k}={v}" for k, v in f.tags], "os": f.os, "kind": f.kind,
            "seen_within_days": f.seen_within_days,
            "stale_days": f.stale_days}


def vendors(conn: Connection, f: HostFilter, foreign_only: bool = False, counts=None, info=None,
            extensions: str = "exclude", few: Optional[bool] = None) -> List[dict]:
    """Installs and hosts per vendor of classified installs; a host with two products of one vendor counts once."""
    few = _few_kept(conn, f) if few is None else few
    counts = class_counts(conn, f, few) if counts is None else counts
    info = _class_info(conn) if info is None else info
    counts = {class_id: n for class_id, n in counts.items() if _kept(info[class_id], extensions)}
    rows: Dict[str, dict] = {}
    for class_id, (installs, _) in counts.items():
        c = info[class_id]
        if c["os_component"] or c["grp"] == "unknown" or (foreign_only and c["grp"] not in FOREIGN):
            continue
        row = rows.setdefault(c["vendor"], {"vendor": c["vendor"], "name": c["vendor_name"], "country": c["country"],
                                            "status": c["status"], "installs": 0, "hosts": 0, "products": 0})
        row["installs"] += installs
        row["products"] += 1 if c["product"] else 0
    classes_of: Dict[str, List[int]] = defaultdict(list)
    for class_id, (_, n_hosts) in counts.items():
        vendor = info[class_id]["vendor"]
        if vendor in rows and not info[class_id]["os_component"]:
            classes_of[vendor].append(class_id)
            rows[vendor]["hosts"] = n_hosts
    several = {vendor: ids for vendor, ids in classes_of.items() if len(ids) > 1}
    if several:
        found = (_kept_vendor_hosts(conn, f, several) if few
                 else _maintained_vendor_hosts(conn, f, sorted(several), extensions))
        for vendor, n in found.items():
            rows[vendor]["hosts"] = n
    return sorted(rows.values(), key=lambda r: (-r["installs"], r["vendor"]))


VENDOR_COLUMN = {"exclude": "program_hosts", "include": "hosts", "only": "extension_hosts"}  # per `extensions`


def _maintained_vendor_hosts(conn: Connection, f: HostFilter, names: List[str], extensions: str) -> Dict[str, int]:
    """Current hosts with any of a vendor's classes, per vendor: the maintained `vendor_totals` minus the hosts
    `f` leaves out (their host_classes rows looked up by host)."""
    column = VENDOR_COLUMN[extensions]
    found = dict(conn.execute(select(vendor_totals.c.vendor, vendor_totals.c[column])
                              .where(vendor_totals.c.vendor.in_(names))).all())
    left_out = (select(host_classes.c.host_id, host_classes.c.class_id)
                .where(host_classes.c.host_id.in_(select(hosts.c.id).where(f.left_out()))).subquery())
    for vendor, *off in conn.execute(vendor_hosts(left_out).where(classes.c.vendor.in_(names))):
        found[vendor] -= dict(zip(VENDOR_MODES, off))[column]
    return found


def _kept_vendor_hosts(conn: Connection, f: HostFilter, classes_of: Dict[str, List[int]]) -> Dict[str, int]:
    """Current hosts with any of a vendor's classes, per vendor, when `f` keeps few hosts: the kept hosts probed
    through host_classes' primary key (a scan of the vendor's rows would look each row's host up)."""
    found = {}
    for vendor, class_ids in classes_of.items():
        has_one = exists().where(host_classes.c.host_id == hosts.c.id, host_classes.c.class_id.in_(class_ids))
        found[vendor] = conn.execute(select(func.count()).select_from(hosts).where(f.current(), has_one)).scalar_one()
    return found


def products(conn: Connection, f: HostFilter, statuses: Sequence[str] = (), category: Optional[str] = None,
             country: Optional[str] = None, counts=None, info=None, with_versions: bool = True,
             alternatives=None, extensions: str = "exclude", unused_days: Optional[int] = None) -> List[dict]:
    """Installs, hosts, versions in use and the catalog's alternatives per product (vendor-only matches apart).

    Classified installs only: an unknown one (no vendor, or a vendor whose country is not known) is in
    `unknown_titles`, so products and the unknown queue partition the installs. With `unused_days`, only the
    products with installs not used in that many days on hosts that record last use, most such installs first."""
    counts = class_counts(conn, f) if counts is None else counts
    info = _class_info(conn) if info is None else info
    rows = []
    for class_id, (installs, n_hosts) in counts.items():
        c = info[class_id]
        if c["os_component"] or c["grp"] == "unknown":  # unknown, vendor known or not: the curation queue's
            continue
        if not _kept(c, extensions):
            continue
        if statuses and c["grp"] not in statuses and c["status"] not in statuses:
            continue
        if category and c["category"] != category or country and c["country"] != country.upper():
            continue
        rows.append({"class_id": class_id, "product": c["product"], "name": c["product_name"] or
                     f"(other {c['vendor_name']} software)", "vendor": c["vendor_name"], "category": c["category"],
                     "country": c["country"], "status": c["status"], "license": c["license"], "group": c["grp"],
                     "register": c["register"], "installs": installs, "hosts": n_hosts})
    rows.sort(key=lambda r: (-r["installs"], r["name"]))
    if unused_days is not None:
        rows = _with_unused(conn, f, rows, unused_days)
    if with_versions:
        versions = _versions(conn, [r["class_id"] for r in rows])
        for row in rows:
            row["versions"] = versions.get(row["class_id"], [])
    if alternatives is not None:
        for row in rows:
            row["alternatives"] = alternatives(row["product"]) if row["product"] else []
    for row in rows:
        del row["class_id"]
    return rows


def _with_unused(conn: Connection, f: HostFilter, rows: List[dict], days: int) -> List[dict]:
    """The rows with installs not used in `days` days, each with its installs on hosts that record last use, those
    unused and those with no use recorded."""
    usage = class_usage(conn, f, days)
    kept = []
    for row in rows:
        recorded, unused, unrecorded = usage.get(row["class_id"], (0, 0, 0))
        if unused or unrecorded:
            kept.append({**row, "installs_recording": recorded, "unused": unused,
                         "unused_share": _share(unused, recorded), "no_use_recorded": unrecorded})
    kept.sort(key=lambda r: (-r["unused"], -r["no_use_recorded"], r["name"]))
    return kept


def unused_cutoff(f: HostFilter, days: int) -> date:
    """The first day that counts as use within `days` days of the question's now."""
    return (f.now or datetime.now(timezone.utc)).astimezone(timezone.utc).date() - timedelta(days=days)


def class_usage(conn: Connection, f: HostFilter, days: int,
                few: Optional[bool] = None) -> Dict[int, Tuple[int, int, int]]:
    """Per class, over the current hosts of `f` that record last use (any install with a `last_used`): installs,
    installs last used before the cutoff, installs with no use recorded. From the maintained `usage_totals` less
    the hosts left out, or from the kept hosts' installs when those are fewer (as `class_counts`)."""
    cutoff = unused_cutoff(f, days).isoformat()
    found: Dict[int, List[int]] = defaultdict(lambda: [0, 0, 0])

    def add(rows, sign: int) -> None:
        for class_id, day, n in rows:
            entry = found[class_id]
            entry[0] += sign * n
            if not day:
                entry[2] += sign * n
            elif day < cutoff:
                entry[1] += sign * n

    if _few_kept(conn, f) if few is None else few:
        add(((c, use_day(d), n) for c, d, n in conn.execute(usage_rows(select(hosts.c.id).where(f.current())))), 1)
    else:
        add(conn.execute(select(usage_totals)), 1)
        add(((c, use_day(d), n) for c, d, n in conn.execute(usage_rows(select(hosts.c.id).where(f.left_out())))), -1)
    return {class_id: (n, unused, unrecorded) for class_id, (n, unused, unrecorded) in found.items() if n}


def recording_hosts(conn: Connection, f: HostFilter) -> int:
    """Current hosts of `f` that record last use."""
    query = (select(func.count()).select_from(hosts).join(host_totals, host_totals.c.host_id == hosts.c.id)
             .where(f.current(), host_totals.c.recording))
    return conn.execute(query).scalar_one()


def unused_summary(conn: Connection, f: HostFilter, days: int, info: Dict[int, dict], recording: int,
                   few: Optional[bool] = None) -> dict:
    """The program installs not used in `days` days, over the `recording` hosts that record last use only
    (Windows and macOS record it, Linux does not); extensions and distribution packages left out."""
    installs = unused = unrecorded = 0
    for class_id, (n, old, none) in class_usage(conn, f, days, few).items():
        if not (info[class_id]["os_component"] or info[class_id]["extension"]):
            installs, unused, unrecorded = installs + n, unused + old, unrecorded + none
    return {"days": days, "hosts_recording": recording, "installs": installs, "unused": unused,
            "unused_share": _share(unused, installs), "no_use_recorded": unrecorded,
            "no_use_recorded_share": _share(unrecorded, installs)}


def _versions(conn: Connection, class_ids: List[int]) -> Dict[int, List[str]]:
    """Distinct versions still installed somewhere, per class."""
    query = (
        select(title_classes.c.class_id, software_titles.c.version)
        .join(software_titles, software_titles.c.id == title_classes.c.title_id)
        .where(title_classes.c.class_id.in_(class_ids),
               exists().where(host_software.c.title_id == title_classes.c.title_id))
        .distinct()
    )
    found: Dict[int, List[str]] = defaultdict(list)
    for class_id, version in conn.execute(query):
        found[class_id].append(version)
    return {k: sorted(v, key=_version_key, reverse=True) for k, v in found.items()}


def _version_key(version: str):
    return [(0, int(p)) if p.isdigit() else (1, p) for p in version.replace("-", ".").split(".")]


def foreign_hosts(conn: Connection, f: HostFilter, limit: int = 50, sort: str = "foreign-count") -> List[dict]:
    """`footprint hosts --foreign`: the machines with the largest foreign footprint."""
    foreign = (host_totals.c.foreign_proprietary + host_totals.c.foreign_open_source).label("foreign")
    order = {"foreign-count": [foreign.desc()], "foreign-proprietary": [host_totals.c.foreign_proprietary.desc()],
             "share": [(foreign * 1.0 / func.nullif(host_totals.c.installs, 0)).desc()],
             "hostname": [hosts.c.hostname]}[sort]
    os_class = classes.alias("os_class")
    query = (
        select(hosts.c.id, hosts.c.hostname, hosts.c.os_name, hosts.c.last_seen, host_totals.c.installs,
               host_totals.c.foreign_proprietary, host_totals.c.foreign_open_source, host_totals.c.domestic,
               host_totals.c.unknown, foreign, os_class.c.status.label("os_status"),
               incomplete_host().label("incomplete"))
        .join(host_totals, host_totals.c.host_id == hosts.c.id)
        .outerjoin(os_class, os_class.c.id == host_totals.c.os_class_id)
        .where(f.current(), foreign > 0)
        .order_by(*order, hosts.c.hostname)
        .limit(limit)
    )
    return [dict(r, foreign_share=_share(r["foreign"], r["installs"])) for r in conn.execute(query).mappings()]


def host_items(conn: Connection, host_id: str, alternatives=None) -> List[dict]:
    """`footprint host ID`: each installed item with its classification, the rule that matched and alternatives."""
    t = software_titles.c
    query = (
        select(t.name, t.version, t.source, t.publisher, host_software.c.username, host_software.c.application,
               host_software.c.profile, classes.c.vendor_name,
               classes.c.product, classes.c.product_name, classes.c.category, classes.c.country,
               classes.c.status, classes.c.license, classes.c.grp, classes.c.register, classes.c.os_component,
               title_classes.c.rule)
        .select_from(host_software)
        .join(software_titles, software_titles.c.id == host_software.c.title_id)
        .outerjoin(title_classes, title_classes.c.title_id == host_software.c.title_id)
        .outerjoin(classes, classes.c.id == title_classes.c.class_id)
        .where(host_software.c.host_id == host_id)
        .order_by(t.name, t.version)
    )
    items = []
    for row in conn.execute(query).mappings():
        item = dict(row)
        item["group"] = "os-component" if item.pop("os_component") else item.pop("grp") or "unknown"
        item.pop("grp", None)
        if alternatives is not None and item["group"] in FOREIGN and item["product"]:
            item["alternatives"] = alternatives(item["product"])
        items.append(item)
    return items


def unknown_publishers(conn: Connection, f: HostFilter, limit: int = 100) -> List[dict]:
    """`footprint unknown --by publisher`: the curation queue per publisher, most hosts first.

    Hosts per publisher are distinct hosts, which per-name counts cannot add up to, so this counts the current
    hosts' unknown links (a curator's occasional question, not a dashboard's).
    """
    t = software_titles.c
    links = (unknown_links().add_columns(t.publisher, t.name)
             .where(host_software.c.host_id.in_(select(hosts.c.id).where(f.current()))).subquery())
    hosts_ = func.count(func.distinct(links.c.host_id))
    query = (
        select(links.c.publisher, hosts_.label("hosts"), func.count().label("installs"),
               func.count(func.distinct(links.c.name)).label("titles"), func.min(links.c.name).label("example"))
        .group_by(links.c.publisher)
        .order_by(hosts_.desc(), func.count().desc(), links.c.publisher)
        .limit(limit)
    )
    return [dict(r, publisher=r["publisher"] or "") for r in conn.execute(query).mappings()]


def unknown_titles(conn: Connection, f: HostFilter, limit: int = 100) -> List[dict]:
    """`footprint unknown`: unclassified titles by number of current hosts — the catalog's curation queue.

    From the maintained `unknown_names` minus the hosts left out, or from the kept hosts' links when those
    are fewer (the same choice as `class_counts`); versions are counted for the listed names only.
    """
    u = unknown_names.c
    if _few_kept(conn, f):
        links = unknown_links().where(host_software.c.host_id.in_(select(hosts.c.id).where(f.current())))
        counted = links.subquery()
        per_name = (select(counted.c.name_key, func.count(func.distinct(counted.c.host_id)).label("hosts"),
                           func.count().label("installs")).group_by(counted.c.name_key).subquery())
        top = (select(u.name_key, u.name, u.source, u.publisher, per_name.c.hosts, per_name.c.installs)
               .join(per_name, per_name.c.name_key == u.name_key))
        hosts_, installs = per_name.c.hosts, per_name.c.installs
    else:
        left_out = select(hosts.c.id).where(f.left_out())
        counted = unknown_links().where(host_software.c.host_id.in_(left_out)).subquery()
        off = (select(counted.c.name_key, func.count(func.distinct(counted.c.host_id)).label("hosts"),
                      func.count().label("installs")).group_by(counted.c.name_key).subquery())
        hosts_ = (u.hosts - func.coalesce(off.c.hosts, 0)).label("hosts")
        installs = (u.installs - func.coalesce(off.c.installs, 0)).label("installs")
        top = (select(u.name_key, u.name, u.source, u.publisher, hosts_, installs)
               .outerjoin(off, off.c.name_key == u.name_key))
    rows = conn.execute(top.where(hosts_ > 0).order_by(hosts_.desc(), u.name).limit(limit)).mappings().all()
    versions = _unknown_versions(conn, f, [r["name_key"] for r in rows])
    return [{"name": r["name"], "source": r["source"], "publisher": r["publisher"], "hosts": r["hosts"],
             "installs": int(r["installs"]), "versions": versions.get(r["name_key"], 0)} for r in rows]


def _unknown_versions(conn: Connection, f: HostFilter, keys: List[str]) -> Dict[str, int]:
    """Distinct versions of these unknown names installed on a current host (each probe stops at its first)."""
    t = software_titles.c
    on_current = (select(host_software.c.title_id).join(hosts, hosts.c.id == host_software.c.host_id)
                  .where(host_software.c.title_id == t.id, f.current()).exists())
    found: Dict[str, int] = {}
    for start in range(0, len(keys), 500):
        query = (
            select(t.name_key, func.count(func.distinct(t.version)))
            .join(title_classes, title_classes.c.title_id == t.id)
            .join(classes, classes.c.id == title_classes.c.class_id)
            .where(t.name_key.in_(keys[start:start + 500]), classes.c.grp == "unknown",
                   classes.c.os_component.is_(False), classes.c.extension.is_(False), on_current)
            .group_by(t.name_key)
        )
        found.update(conn.execute(query).all())
    return found


EXPORT_COLUMNS = ["host_id", "hostname", "os_name", "vendor", "product", "category", "country", "status",
                  "license", "group", "register", "installs"]


_EXPORT_CLASS_TEXT = (classes.c.vendor_name, classes.c.product_name, classes.c.category, classes.c.country,
                      classes.c.status, classes.c.license, classes.c.grp, classes.c.register)


def _export_query(f: HostFilter, postgresql: bool, empty_as_null: bool = False):
    """The host × product table (one row per host and class) in EXPORT_COLUMNS order, by host name, host id,
    vendor, product and class id. On PostgreSQL every row is sorted by two numbers, the host's and the class's
    place in that order, with only the host's columns beside them, and the class's text is joined after the sort
    (a LATERAL lookup keeps the order): sorting the whole 433-byte rows by their text spilled 300 MB and took
    most of the export's time at 100,000 hosts."""
    text = list(_EXPORT_CLASS_TEXT)
    wanted = (classes.c.os_component.is_(False), classes.c.extension.is_(False))
    if not postgresql:
        text = [hosts.c.id, hosts.c.hostname, hosts.c.os_name, *text]
        return (
            select(*[column.label(name) for column, name in zip([*text, host_classes.c.installs], EXPORT_COLUMNS)])
            .select_from(host_classes)
            .join(hosts, hosts.c.id == host_classes.c.host_id)
            .join(classes, classes.c.id == host_classes.c.class_id)
            .where(f.current(), *wanted)
            .order_by(hosts.c.hostname, hosts.c.id, classes.c.vendor_name, classes.c.product_name, classes.c.id)
        )
    host_order = select(hosts.c.id, hosts.c.hostname, hosts.c.os_name, func.row_number().over(
        order_by=(hosts.c.hostname, hosts.c.id)).label("place")).where(f.current()).subquery("host_order")
    class_order = select(classes.c.id, func.row_number().over(
        order_by=(classes.c.vendor_name, classes.c.product_name, classes.c.id)).label("place")).where(
        *wanted).subquery("class_order")
    ordered = (
        select(host_order.c.id, host_order.c.hostname, host_order.c.os_name, host_classes.c.class_id,
               host_classes.c.installs, host_order.c.place.label("host_place"),
               class_order.c.place.label("class_place"))
        .select_from(host_classes)
        .join(host_order, host_order.c.id == host_classes.c.host_id)
        .join(class_order, class_order.c.id == host_classes.c.class_id)
        .order_by(host_order.c.place, class_order.c.place)
        .subquery("ordered")
    )
    # OFFSET 0 keeps the lookup a subquery of its own, so it can only run once per sorted row, in their order
    named = select(*text).where(classes.c.id == ordered.c.class_id).offset(0).lateral("named")
    columns = [ordered.c.id, ordered.c.hostname, ordered.c.os_name, *(named.c[c.name] for c in text)]
    if empty_as_null:  # PostgreSQL's CSV writes NULL as nothing but '' as "": the csv module writes both as nothing
        columns = [func.nullif(column, "") for column in columns]
    return (
        select(*[column.label(name) for column, name in zip([*columns, ordered.c.installs], EXPORT_COLUMNS)])
        .select_from(ordered.join(named, true()))
        .order_by(ordered.c.host_place, ordered.c.class_place)
    )


def export_rows(conn: Connection, f: HostFilter) -> Iterable[dict]:
    """The host × product table, streamed for external tools."""
    query = _export_query(f, postgresql=conn.dialect.name == "postgresql")
    for row in conn.execution_options(stream_results=True, yield_per=2000).execute(query).mappings():
        yield dict(row)


def export_csv(conn: Connection, f: HostFilter, bom: bool = False) -> Iterator[bytes]:
    """The same table as CSV (header, then the rows as render_csv writes them), in chunks of bytes: on
    PostgreSQL the server writes it (COPY … TO STDOUT), elsewhere the csv module takes batches of rows."""
    yield (("\ufeff" if bom else "") + ",".join(EXPORT_COLUMNS) + "\n").encode("utf-8")
    if conn.dialect.name == "postgresql":
        compiled = _export_query(f, postgresql=True, empty_as_null=True).compile(
            dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY ({compiled}) TO STDOUT (FORMAT csv)", compiled.params) as copy:
            buffer = bytearray()
            for block in copy:  # one block per row: sent one by one, each would cost a write
                buffer += block
                if len(buffer) >= EXPORT_CHUNK_BYTES:
                    yield bytes(buffer)
                    buffer.clear()
            yield bytes(buffer)
        return
    yield from _sqlite_export_csv(conn, f)


def _sqlite_export_csv(conn: Connection, f: HostFilter) -> Iterator[bytes]:
    """SQLite's CSV: the hosts walked in (name, id) order through the name index, each host's links ordered by
    their class's place in (vendor, product, id) order, each row the host's and the class's CSV fields written
    once and joined (the csv module quotes field by field): a third of the time of sorting and writing whole
    rows (bench/query.py, 10,000 hosts)."""
    wanted = (classes.c.os_component.is_(False), classes.c.extension.is_(False))
    named = conn.execute(select(classes.c.id, *_EXPORT_CLASS_TEXT).where(*wanted).order_by(
        classes.c.vendor_name, classes.c.product_name, classes.c.id)).all()
    places = {row[0]: (place, _csv_fields(row[1:])) for place, row in enumerate(named)}
    links = (select(hosts.c.id, hosts.c.hostname, hosts.c.os_name, host_classes.c.class_id, host_classes.c.installs)
             .select_from(hosts).join(host_classes, host_classes.c.host_id == hosts.c.id).where(f.current())
             .order_by(hosts.c.hostname, hosts.c.id))
    rows = conn.execution_options(stream_results=True, yield_per=EXPORT_BATCH).execute(links)
    host_id, host_fields, pending = None, "", []
    for batch in rows.partitions(EXPORT_BATCH):
        out: List[str] = []
        for hid, hostname, os_name, class_id, installs in batch:
            if hid != host_id:
                out.extend(_host_lines(host_fields, pending))
                host_id, host_fields, pending = hid, _csv_fields((hid, hostname, os_name)), []
            place = places.get(class_id)
            if place is not None:
                pending.append((*place, installs))
        yield "".join(out).encode("utf-8")
    yield "".join(_host_lines(host_fields, pending)).encode("utf-8")


def _host_lines(host_fields: str, pending: List[tuple]) -> List[str]:
    """One host's CSV lines, its classes in their export order."""
    pending.sort()
    return [f"{host_fields},{class_fields},{installs}\n" for _, class_fields, installs in pending]


def _csv_fields(values: Sequence) -> str:
    """Fields as the csv module writes them in a row, without the line's end."""
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(values)
    return out.getvalue()


EXPORT_BATCH = 5000  # rows per chunk of the CSV written here
EXPORT_CHUNK_BYTES = 256 * 1024  # bytes per chunk of the CSV PostgreSQL writes


# --- trend ---

def _period_end(day: date, by: str) -> date:
    if by == "week":
        return day + timedelta(days=6 - day.weekday())
    nxt = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def trend(conn: Connection, f: HostFilter, since: Optional[date] = None, by: str = "month",
          product: Optional[str] = None, today: Optional[date] = None) -> List[dict]:
    """Per period: foreign installs, hosts with foreign software and the foreign share, as of the period's end.

    From the per-day changes kept at ingest (with tag/OS filters, the matching hosts' day rows), so a
    migration shows as the figures fall. Hosts that stopped reporting keep their last inventory here.
    """
    info = _class_info(conn)
    wanted = None
    if product:
        wanted = {cid for cid, c in info.items() if product in (c["product"], c["product_name"])}
    if f.tags or f.os or f.kind:  # hosts having a class are counted for a product only
        matching = select(hosts.c.id).where(f.matching())
        class_days = daily.class_days(conn, matching, None if wanted is None else sorted(wanted),
                                      with_hosts=wanted is not None)
        flag_days = daily.flag_days(conn, matching)
    else:
        class_days = {(d, c): (a, b) for d, c, a, b in conn.execute(select(class_daily))}
        flag_days = {(d, fl): v for d, fl, v in conn.execute(select(flag_daily))}
    days = sorted({d for d, _ in class_days} | {d for d, _ in flag_days})
    if not days:
        return []
    today = today or (f.now or datetime.now(timezone.utc)).date()
    start = since or date.fromisoformat(days[0])
    periods: List[date] = []
    p = _period_end(start, by)
    while True:
        periods.append(p)
        if p >= today:
            break
        p = _period_end(p + timedelta(days=1), by)
    running = defaultdict(int)
    rows, i = [], 0
    per_day: Dict[str, List[tuple]] = defaultdict(list)
    for (d, c), v in class_days.items():
        per_day[d].append(("class", c, v))
    for (d, fl), v in flag_days.items():
        per_day[d].append(("flag", fl, v))
    for end in periods:
        while i < len(days) and date.fromisoformat(days[i]) <= end:
            for kind, key, value in per_day[days[i]]:
                if kind == "flag":
                    running["hosts:" + key] += value
                    continue
                c = info[key]
                d_installs, d_hosts = value
                if wanted is not None:
                    if key in wanted:
                        running["product"] += d_installs
                        running["product_hosts"] += d_hosts
                    continue
                if c["os_component"] or c["extension"]:
                    continue
                running["installs"] += d_installs
                if c["grp"] in FOREIGN:
                    running["foreign"] += d_installs
                    if c["grp"] == "foreign-proprietary":
                        running["foreign_proprietary"] += d_installs
            i += 1
        if end < start:
            continue
        row = {"period": end.strftime("%Y-%m" if by == "month" else "%G-W%V"), "end": end.isoformat(),
               "hosts": running["hosts:hosts"], "hosts_with_foreign": running["hosts:foreign"]}
        if wanted is not None:
            row.update(product=product, installs=running["product"], hosts_with_product=running["product_hosts"])
        else:
            row.update(installs=running["installs"], foreign_installs=running["foreign"],
                       foreign_proprietary_installs=running["foreign_proprietary"],
                       foreign_share=_share(running["foreign"], running["installs"]),
                       hosts_with_foreign_share=_share(running["hosts:foreign"], running["hosts:hosts"]))
        rows.append(row)
    return rows

"""A target's progress: hosts in scope, compliant and violating, the weekly burndown of offending installs, the
projected completion at the recent rate and the status a minister is told (met, on track, at risk, missed).

Scope is `server.totals.HostFilter` (tags, OS, kind, stale window), so a target counts exactly the hosts and
installs `footprint summary` and `footprint products` count for the same filters. The projection is a
least-squares line through the last PROJECTION_WEEKS weekly points of the burndown (the last one is now);
completion is where that line reaches zero, and there is none while the line does not fall.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from sqlalchemy import Connection

from server.store import targets as store
from server.target_model import Target, milestone_dict, target_dict
from server.totals import HostFilter, describe

PROJECTION_WEEKS = 8
BURNDOWN_WEEKS = 104  # at most two years of weekly points are listed (earlier changes still count)
METHOD = (f"least-squares line through the last {PROJECTION_WEEKS} weekly points of offending installs "
          "(the last point is now); completion is the day that line reaches zero")
STATUSES = ("met", "on track", "at risk", "missed")
DEFAULT_GROUP_TAG = "dept"


def host_filter(target: Target, now: datetime, tags: Sequence[Tuple[str, str]] = ()) -> HostFilter:
    """The target's scope as the host filter every query takes (`tags` narrow it further, for a milestone)."""
    extra = {"stale_days": target.stale_days} if target.stale_days else {}
    return HostFilter(tags=tuple(sorted(set(target.tags) | set(tags))), os=target.os, kind=target.kind, now=now,
                      **extra)


def _share(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 100.0


def _week_end(day: date) -> date:
    return day + timedelta(days=6 - day.weekday())


def burndown(changes: Dict[str, int], now: datetime) -> List[dict]:
    """Offending installs at the end of each ISO week (Sunday, UTC) from the first change on, and now."""
    if not changes:
        return []
    today = now.date()
    days = sorted(changes)
    end = _week_end(max(date.fromisoformat(days[0]), today - timedelta(weeks=BURNDOWN_WEEKS)))
    points, running, i = [], 0, 0
    while True:
        last = end >= today
        cutoff = today if last else end
        while i < len(days) and date.fromisoformat(days[i]) <= cutoff:
            running += changes[days[i]]
            i += 1
        at = now if last else datetime.combine(end + timedelta(days=1), time(), timezone.utc)
        points.append({"week": end.strftime("%G-W%V"), "at": at, "violating_installs": running})
        if last:
            return points
        end += timedelta(weeks=1)


def projection(points: List[dict]) -> dict:
    """The least-squares line over the last PROJECTION_WEEKS points: installs removed per week and the day
    it reaches zero (None while it does not fall)."""
    recent = points[-PROJECTION_WEEKS:]
    result = {"method": METHOD, "points": len(recent), "per_week": None, "completion": None}
    if len(recent) < 2:
        return result
    origin = recent[-1]["at"]
    xs = [(p["at"] - origin).total_seconds() / 86400 for p in recent]
    ys = [p["violating_installs"] for p in recent]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    result["per_week"] = round(-slope * 7, 2)
    if slope < 0:
        zero = mx - my / slope  # days from now
        result["completion"] = (origin + timedelta(days=zero)).date() if zero > 0 else origin.date()
        result["start"] = {"at": recent[0]["at"], "violating_installs": round(my + slope * (xs[0] - mx), 1)}
    return result


def _status(violating_installs: int, today: date, due: date, completion: Optional[date], milestones) -> str:
    if violating_installs == 0:
        return "met"
    if today > due:
        return "missed"
    if any(m["status"] == "missed" for m in milestones):
        return "at risk"
    return "on track" if completion is not None and completion <= due else "at risk"


def _milestones(conn: Connection, target: Target, now: datetime, class_ids: List[int]) -> List[dict]:
    rows = []
    for m in target.milestones:
        in_scope, violating, _ = store.scope_counts(conn, host_filter(target, now, m.tags), target.remove, class_ids)
        share = _share(in_scope - violating, in_scope)
        status = "met" if share >= m.share else ("missed" if now.date() > m.date else "pending")
        rows.append({**milestone_dict(m), "hosts_in_scope": in_scope, "compliant_share": share, "status": status})
    return rows


def evaluate(conn: Connection, target: Target, now: datetime) -> dict:
    """One target's figures, burndown, projection and status as of `now`."""
    offending = store.offending_classes(conn, target.remove, target.value)
    class_ids = sorted(offending)
    f = host_filter(target, now)
    in_scope, violating, installs = store.scope_counts(conn, f, target.remove, class_ids)
    points = burndown(store.install_changes(conn, f, class_ids), now)
    projected = projection(points)
    milestones = _milestones(conn, target, now, class_ids)
    status = _status(installs, now.date(), target.due, projected["completion"], milestones)
    return {**target_dict(target), "scope": describe(f), "hosts_in_scope": in_scope,
            "compliant_hosts": in_scope - violating, "violating_hosts": violating, "violating_installs": installs,
            "compliant_share": _share(in_scope - violating, in_scope), "days_left": (target.due - now.date()).days,
            "status": status, "milestones": milestones, "burndown": points, "projection": projected}


def evaluate_all(conn: Connection, now: datetime) -> List[dict]:
    return [evaluate(conn, t, now) for t in store.list_targets(conn)]


def details(conn: Connection, target: Target, now: datetime, alternatives: Optional[Callable[[str], list]] = None,
            group_tag: str = DEFAULT_GROUP_TAG, limit: int = 10_000) -> dict:
    """`targets show`: the figures plus the violating hosts with their offending items, grouped by the
    `group_tag` tag (department), and a per-department table."""
    result = evaluate(conn, target, now)
    offending = store.offending_classes(conn, target.remove, target.value)
    f = host_filter(target, now)
    hosts = store.violating_hosts(conn, f, sorted(offending), group_tag, limit)
    for host in hosts:
        items = []
        for class_id, installs in host.pop("items"):
            c = offending[class_id]
            item = {"product": c["product"], "name": c["product_name"] or f"(other {c['vendor_name']} software)",
                    "vendor": c["vendor_name"], "country": c["country"], "group": c["grp"], "installs": installs}
            item["alternatives"] = alternatives(c["product"]) if alternatives and c["product"] else []
            items.append(item)
        host["items"] = items
    groups: Dict[str, List[dict]] = defaultdict(list)
    for host in hosts:
        groups[host["group"]].append(host)
    result["group_tag"] = group_tag
    result["departments"] = departments(conn, target, now, group_tag, sorted(offending))
    result["violating"] = [{"group": g, "hosts": groups[g]} for g in sorted(groups)]
    return result


def departments(conn: Connection, target: Target, now: datetime, group_tag: str, class_ids: List[int]) -> List[dict]:
    """Per value of the department tag: hosts in scope, compliant, violating, offending installs, share."""
    rows = []
    for value, (in_scope, violating, installs) in sorted(
            store.hosts_per_tag(conn, host_filter(target, now), group_tag, class_ids).items()):
        rows.append({"group": value, "hosts_in_scope": in_scope, "compliant_hosts": in_scope - violating,
                     "violating_hosts": violating, "violating_installs": installs,
                     "compliant_share": _share(in_scope - violating, in_scope)})
    return rows

"""Migration targets on a generated fleet whose foreign installs fall at a known rate: the projection lands within
a day of the known answer, each status comes out where it should, and the figures are the summary's and the
products' for the same filters. `now` is passed explicitly: nothing here reads the wall clock."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from server import targets, totals
from server.store import targets as store
from server.store.credentials import create_token
from server.store.tables import host_class_daily, host_tags, hosts, os_events, software_events, title_classes
from server.target_model import TargetError, parse_file, parse_target, target_dict
from tests.support import mixed_fleet, target_fleet
from tests.support.migrations import down_and_up

NOW = datetime(2026, 3, 7, 0, 0, tzinfo=timezone.utc)
HOSTS, MIGRATED = target_fleet.HOSTS, target_fleet.MIGRATED
# at one host (two installs) a day, the ten hosts left would be done on the day of the 70th removal
KNOWN_COMPLETION = (NOW - target_fleet.REMOVALS_BEFORE + timedelta(days=HOSTS - 1)).date()
assert KNOWN_COMPLETION == date(2026, 3, 16)


@pytest.fixture
def fleet(engine):
    """tests/support/target_fleet.py: from 6 January one of 70 hosts a day drops Zoom and Chrome."""
    target_fleet.build(engine, NOW)


def _target(**fields) -> targets.Target:
    return parse_target({"name": "t", "remove": "foreign", "due": "2026-04-01", **fields})


def _evaluate(engine, **fields) -> dict:
    with engine.connect() as conn:
        return targets.evaluate(conn, _target(**fields), NOW)


def test_the_projection_is_within_a_day_of_the_known_completion(engine, fleet):
    result = _evaluate(engine, remove="product:zoom-workplace")
    assert result["violating_hosts"] == HOSTS - MIGRATED and result["violating_installs"] == HOSTS - MIGRATED
    p = result["projection"]
    assert p["points"] == targets.PROJECTION_WEEKS and p["per_week"] == pytest.approx(7.0, abs=0.01)
    assert abs((p["completion"] - KNOWN_COMPLETION).days) <= 1, (p, KNOWN_COMPLETION)
    assert "least-squares" in p["method"] and str(targets.PROJECTION_WEEKS) in p["method"]
    burndown = result["burndown"]
    assert burndown[0]["week"] == "2026-W02" and burndown[0]["violating_installs"] == HOSTS - 6  # 6-11 January
    assert burndown[-1]["violating_installs"] == HOSTS - MIGRATED
    assert burndown[-1]["at"] == NOW
    weekly = [p["violating_installs"] for p in burndown]
    assert weekly == sorted(weekly, reverse=True)
    assert all(a - b == 7 for a, b in zip(weekly[1:-2], weekly[2:-1]))  # a whole week: seven hosts, one product


def test_a_scoped_burndown_replays_the_events_to_the_same_figures(engine, fleet):
    """Every host matches linux: the fleet's day rows, as without a filter."""
    whole = _evaluate(engine)
    scoped = _evaluate(engine, os="linux")
    assert scoped["burndown"] == whole["burndown"] and scoped["projection"] == whole["projection"]
    assert whole["burndown"][0]["violating_installs"] == 2 * (HOSTS - 6) + (HOSTS - MIGRATED)


# scoped targets over tests/support/mixed_fleet.py: scopes of a few hosts sum their own day rows, scopes of most
# hosts take the fleet's rows less the left-out hosts' (the revoked host is left out of every scope)
SCOPED = [
    ("foreign", {}),
    ("foreign", {"tags": ["dept=finance"]}),
    ("foreign-proprietary", {"os": "windows"}),
    ("foreign-proprietary", {"kind": "computer"}),
    ("category:video-conferencing", {"kind": "computer", "os": "linux"}),
    ("product:zoom-mobile", {"kind": "phone"}),
    ("vendor:microsoft", {"tags": ["dept=it"], "kind": "computer"}),
    ("foreign-os", {"kind": "phone", "tags": ["dept=sales"]}),
    ("foreign", {"os": "astra"}),
]


def _replayed(conn, target: targets.Target) -> dict:
    """The per-day change in offending installs recomputed the plain way: every stored event read, and its
    host's scope (not removed, kind, OS family/distribution/name, every tag) checked here in Python."""
    tags = defaultdict(dict)
    for host_id, key, value in conn.execute(select(host_tags.c.host_id, host_tags.c.key, host_tags.c.value)):
        tags[host_id][key] = value

    def in_scope(h) -> bool:
        names = {(v or "").lower() for v in (h.os_family, h.os_distro_id, h.os_name)}
        return (not h.revoked and (target.kind is None or h.kind == target.kind)
                and (target.os is None or target.os.lower() in names)
                and all(tags[h.id].get(k) == v for k, v in target.tags))

    scoped = {h.id for h in conn.execute(select(hosts)) if in_scope(h)}
    offending = set(store.offending_classes(conn, target.remove, target.value))
    class_of = dict(conn.execute(select(title_classes.c.title_id, title_classes.c.class_id)).all())
    changes = defaultdict(int)
    for table in (software_events, os_events):
        for host_id, title_id, kind, at in conn.execute(select(table.c.host_id, table.c.title_id, table.c.kind,
                                                               table.c.at)):
            if host_id in scoped and class_of[title_id] in offending:
                changes[at.astimezone(timezone.utc).date().isoformat()] += 1 if kind == "install" else -1
    return {day: n for day, n in changes.items() if n}


def test_a_scoped_burndown_equals_a_replay_of_every_event(engine):
    """The burndown from the maintained rows (and the projection and status made from it) equals a plain
    recomputation from the events, for targets scoped by tags, OS and kind on a mixed fleet."""
    mixed_fleet.build(engine, NOW)
    sizes = set()
    with engine.connect() as conn:
        known = len(conn.execute(select(hosts.c.id)).all())
        for remove, scope in SCOPED:
            target = _target(remove=remove, due="2026-05-01", **scope)
            replayed = _replayed(conn, target)
            assert replayed, (remove, scope)  # the scope has offending installs that changed
            f = targets.host_filter(target, NOW)
            assert store.install_changes(conn, f, sorted(store.offending_classes(conn, target.remove,
                                                                                  target.value))) == replayed
            result = targets.evaluate(conn, target, NOW)
            points = result["burndown"]
            days = sorted(replayed)
            for point in points:
                cutoff = NOW.date() if point is points[-1] else point["at"].date() - timedelta(days=1)
                assert point["violating_installs"] == sum(replayed[d] for d in days if d <= cutoff.isoformat())
            assert points[0]["week"] == date.fromisoformat(days[0]).strftime("%G-W%V")
            assert result["projection"] == targets.projection(points)
            matching = conn.execute(select(hosts.c.id).where(f.matching())).all()
            sizes.add(len(matching) <= known - len(matching))
    assert sizes == {True, False}, "both ways are taken: a scope's own rows, the fleet's less the left-out"


def test_upgrading_fills_each_hosts_day_rows_from_the_events(engine):
    """A database from before 0012: its host_class_daily is filled from the stored events, equal to the rows
    ingest maintains (a day whose changes net to zero carries nothing)."""
    mixed_fleet.build(engine, NOW)

    def day_rows():
        with engine.connect() as conn:
            return sorted(tuple(r) for r in conn.execute(select(host_class_daily)) if r.d_installs)

    maintained = day_rows()
    down_and_up(engine, "0011")
    assert day_rows() == maintained and len({r[1] for r in maintained}) == mixed_fleet.COMPUTERS + mixed_fleet.PHONES


STATUSES = [
    ({"due": "2026-04-01"}, "on track"),
    ({"due": "2026-03-10"}, "at risk"),  # the projected 17 March is after it
    ({"due": "2026-03-01"}, "missed"),
    ({"due": "2026-03-01", "tags": ["dept=finance"]}, "met"),  # finance migrated, even if late
    ({"due": "2026-04-01", "milestones": [{"date": "2026-03-01", "share": 50, "tags": ["dept=sales"]}]}, "at risk"),
    ({"due": "2026-04-01", "remove": "product:visual-studio-code"}, "at risk"),  # not falling: no completion
]


def test_each_fleet_gets_its_status(engine, fleet):
    """One fleet, targets whose deadline, scope or milestones make each status (one fixture: 200 reports)."""
    for fields, status in STATUSES:
        result = _evaluate(engine, **fields)
        assert result["status"] == status, (fields, result["status"], result["projection"])
    not_falling = _evaluate(engine, remove="product:visual-studio-code")["projection"]
    assert not_falling["completion"] is None and not_falling["per_week"] == 0


def test_milestones_report_the_share_now(engine, fleet):
    result = _evaluate(engine, milestones=[{"date": "2026-02-01", "share": 80, "tags": ["dept=finance"]},
                                           {"date": "2026-03-01", "share": 50, "tags": ["dept=sales"]},
                                           {"date": "2026-03-20", "share": 90}])
    finance, sales, whole = result["milestones"]
    assert finance["status"] == "met" and finance["compliant_share"] == 100.0
    assert sales["status"] == "missed" and sales["compliant_share"] == 0.0
    assert whole["status"] == "pending" and whole["compliant_share"] == round(100 * MIGRATED / HOSTS, 1)


REMOVES = ["foreign", "foreign-proprietary", "product:zoom-workplace", "category:browser", "vendor:microsoft",
           "foreign-os"]
SCOPES = [{}, {"tags": ["dept=sales"]}, {"os": "linux", "kind": "computer"}]


def test_target_figures_agree_with_summary_and_products(engine, fleet):
    for remove in REMOVES:
        for scope in SCOPES:
            _agree(engine, remove, scope)


def _agree(engine, remove: str, scope: dict) -> None:
    result = _evaluate(engine, remove=remove, **scope)
    f = totals.HostFilter(tags=tuple(tuple(t.split("=")) for t in scope.get("tags", [])), os=scope.get("os"),
                          kind=scope.get("kind"), now=NOW)
    with engine.connect() as conn:
        summary = totals.summary(conn, f)
        foreign = totals.products(conn, f, totals.FOREIGN, with_versions=False)
        everything = totals.products(conn, f, with_versions=False)
    assert result["hosts_in_scope"] == summary["hosts"]["reporting"]
    assert result["compliant_hosts"] + result["violating_hosts"] == result["hosts_in_scope"]
    by_status = {g["status"]: g["installs"] for g in summary["installs_by_status"]}
    kind, _, value = remove.partition(":")
    if kind == "foreign":
        assert result["violating_hosts"] == summary["hosts_with_foreign"]
        assert result["violating_installs"] == by_status["foreign-proprietary"] + by_status["foreign-open-source"]
    elif kind == "foreign-proprietary":
        assert result["violating_hosts"] == summary["hosts_with_foreign_proprietary"]
        assert result["violating_installs"] == by_status["foreign-proprietary"]
    elif kind == "product":
        row = next(p for p in everything if p["product"] == value)
        assert (result["violating_hosts"], result["violating_installs"]) == (row["hosts"], row["installs"])
    elif kind == "category":
        assert result["violating_installs"] == sum(p["installs"] for p in foreign if p["category"] == value)
    elif kind == "vendor":
        vendors = {v["vendor"]: v for v in summary.get("top_foreign_vendors", [])}
        assert result["violating_installs"] == sum(p["installs"] for p in everything if p["vendor"] == "Microsoft")
        assert value not in vendors or vendors[value]["hosts"] == result["violating_hosts"]
    else:  # Astra Linux is domestic: no foreign OS anywhere
        assert result["violating_installs"] == 0 and result["status"] == "met"


def test_details_list_the_violating_hosts_by_department(engine, fleet):
    with engine.connect() as conn:
        from server.store import classify

        shown = targets.details(conn, _target(), NOW, classify.alternatives_lookup(engine))
    departments = {d["group"]: d for d in shown["departments"]}
    assert departments["finance"]["compliant_share"] == 100.0 and departments["finance"]["hosts_in_scope"] == 60
    assert departments["sales"]["violating_hosts"] == 10 and departments["sales"]["violating_installs"] == 30
    assert [g["group"] for g in shown["violating"]] == ["sales"]
    host = shown["violating"][0]["hosts"][0]
    assert {i["product"] for i in host["items"]} == {"zoom-workplace", "google-chrome", "visual-studio-code"}
    zoom = next(i for i in host["items"] if i["product"] == "zoom-workplace")
    assert zoom["alternatives"] and host["last_seen"] == NOW - timedelta(hours=1)


def test_changes_are_recorded_with_who_and_before_after(engine):
    admin = create_token(engine, "admin", name="officer")
    first = _target(name="decree-166", description="Decree 166")
    assert store.save_target(engine, first, admin.id, NOW) == "add"
    assert store.save_target(engine, first, admin.id, NOW) == "unchanged"
    with pytest.raises(store.TargetExists):
        store.save_target(engine, first, admin.id, NOW, create_only=True)
    later = _target(name="decree-166", due="2026-06-01", milestones=[{"date": "2026-05-01", "share": 50}])
    assert store.save_target(engine, later, admin.id, NOW + timedelta(days=1)) == "edit"
    with engine.connect() as conn:
        assert store.get_target(conn, "decree-166") == later
    assert store.remove_target(engine, "decree-166", None, NOW + timedelta(days=2))
    assert not store.remove_target(engine, "decree-166", None, NOW)
    with engine.connect() as conn:
        history = store.changes(conn, "decree-166")
        assert store.list_targets(conn) == []
    assert [c["action"] for c in history] == ["remove", "edit", "add"]
    assert history[1]["who"] == f"admin token {admin.id} (officer)" and history[0]["who"] == "local"
    assert history[1]["before"] == target_dict(first) and history[1]["after"] == target_dict(later)
    assert history[1]["at"] == NOW + timedelta(days=1) and history[0]["after"] is None


@pytest.mark.parametrize("fields, named", [
    ({"remove": "everything"}, "remove = 'everything'"),
    ({"remove": "category"}, "remove = 'category': category needs its id"),
    ({"remove": "category:spreadsheets"}, "unknown category"),
    ({"remove": "foreign:x"}, "foreign takes no value"),
    ({"due": "1 March"}, "due = '1 March'"),
    ({"name": "has space"}, "name = 'has space'"),
    ({"kind": "server"}, "kind = 'server'"),
    ({"stale_days": 0}, "stale_days = 0"),
    ({"tags": ["dept"]}, "tags = 'dept'"),
    ({"milestones": [{"date": "2026-03-01", "share": 150}]}, "milestones[0].share = 150"),
    ({"milestones": [{"date": "2027-03-01", "share": 50}]}, "milestones[0].date = '2027-03-01': after the due date"),
    ({"milestones": [{"share": 50}]}, "milestones[0].date = None: required"),
    ({"owner": "me"}, "owner = 'me': unknown field"),
])
def test_validation_names_the_field_and_value(fields, named):
    with pytest.raises(TargetError) as caught:
        _target(**fields)
    assert named in str(caught.value)


def test_a_toml_file_names_the_file_table_and_field(tmp_path):
    import tomllib

    text = """
[[target]]
name = "decree-166"
remove = "foreign"
due = 2025-01-01
tags = ["cii=significant"]

[[target]]
name = "ios-off-phones"
remove = "foreign-os"
kind = "phone"
due = 2026-05-01
[[target.milestones]]
date = 2026-03-01
share = 50
tags = ["dept=ministers"]
"""
    found = parse_file(tomllib.loads(text), "targets.toml")
    assert [t.name for t in found] == ["decree-166", "ios-off-phones"]
    assert found[1].milestones[0].date == date(2026, 3, 1) and found[1].kind == "phone"
    assert parse_target(target_dict(found[1])) == found[1]  # what is listed loads again
    with pytest.raises(TargetError, match=r"targets.toml: target\[1\].due = 'soon'"):
        parse_file(tomllib.loads(text.replace("due = 2026-05-01", 'due = "soon"')), "targets.toml")
    with pytest.raises(TargetError, match=r"target\[1\].name = 'decree-166': defined twice"):
        parse_file(tomllib.loads(text.replace('"ios-off-phones"', '"decree-166"')), "targets.toml")


def test_no_hosts_no_history(engine):
    result = _evaluate(engine)
    assert result["hosts_in_scope"] == 0 and result["burndown"] == [] and result["status"] == "met"
    assert result["projection"]["completion"] is None


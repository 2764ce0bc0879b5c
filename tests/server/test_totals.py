"""Totals on a generated fleet: every view adds up, maintained aggregates equal a rebuild, trend follows events,
a catalog or policy change followed by reclassify changes the figures."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from server import totals
from server.catalog.cache import load_index
from server.catalog.policy import Classifier
from server.store import aggregates, classify, daily
from server.store.credentials import remove_host
from server.store.db import write_transaction
from server.store.ingest import ingest_report, parse_report
from server.store.tables import (
    class_daily,
    class_totals,
    flag_daily,
    host_class_daily,
    host_classes,
    host_tags,
    host_totals,
    hosts,
    unknown_names,
    usage_totals,
    vendor_totals,
)
from tests.support import contoso
from tests.support import synthetic_fleet as synthetic

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
MARCH = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)
JUNE = datetime(2026, 6, 15, 9, 0, tzinfo=timezone.utc)
FLEET = 12


def _enroll(engine, report: dict, tags=None) -> None:
    """Create the host row as enrollment does (the ingest path requires an enrolled host)."""
    from server.store.credentials import create_token, enroll_host, find_token
    from server.store.db import utcnow

    secret = create_token(engine, "enroll", name="fleet", tags=tags or {}).secret
    enroll_host(engine, find_token(engine, secret, ("enroll",), utcnow()), report["host"]["id"],
                report["host"]["hostname"])


def _send(engine, report: dict, when: datetime) -> None:
    report = dict(report, collected_at=when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    import uuid

    report["report_id"] = str(uuid.uuid4())
    ingest_report(engine, parse_report(json.dumps(report).encode()), report["host"]["id"], now=when)


def _without(report: dict, needle: str) -> dict:
    return dict(report, software=[i for i in report["software"] if needle not in i["name"].lower()])


# Utilities whose vendor the catalog knows but whose country its research left open: classified to a product,
# status unknown (strings as their installers write them to the Uninstall key).
COUNTRYLESS = [
    {"name": "IrfanView 4.67 (64-bit)", "version": "4.67", "publisher": "Irfan Skiljan", "source": "windows"},
    {"name": "KeePassXC", "version": "2.7.9", "publisher": "KeePassXC Team", "source": "windows"},
    {"name": "Everything 1.4.1.1026 (x64)", "version": "1.4.1.1026", "publisher": "voidtools", "source": "windows"},
    {"name": "WinMerge 2.16.40.0 x64", "version": "2.16.40.0", "publisher": "Thingamahoochie Software",
     "source": "windows"},
]


def _with_last_use(report: dict, start: int = 0) -> dict:
    """Every other program of the report last used on the 15th of a month from January to October 2026."""
    software = [dict(item, last_used=f"2026-{1 + (start + k) % 10:02d}-15T00:00:00Z") if k % 2 == 0 else item
                for k, item in enumerate(report["software"])]
    return dict(report, software=software)


@pytest.fixture
def fleet(engine):
    """12 hosts first seen in March; in June half the Windows machines drop Zoom; all report again in November.
    Every third host also carries some of the COUNTRYLESS utilities; odd-numbered Windows hosts record last use."""
    reports = [synthetic.host_report(i, seed=7, windows_size=40, linux_size=40) for i in range(FLEET)]
    for i in range(0, FLEET, 3):
        reports[i] = dict(reports[i], software=reports[i]["software"] + COUNTRYLESS[: 1 + i % 4])
    for i in range(1, FLEET, 2):
        if reports[i]["host"]["os"]["family"] == "windows":
            reports[i] = _with_last_use(reports[i], i)
    for i, report in enumerate(reports):
        _enroll(engine, report, {"dept": "finance" if i % 3 == 0 else "sales"})
        _send(engine, report, MARCH)
    for i, report in enumerate(reports):
        if i % 2 == 0:
            reports[i] = _without(report, "zoom")
            _send(engine, reports[i], JUNE)
    for report in reports:
        _send(engine, report, NOW - timedelta(hours=1))
    return reports


def _filter(**kw) -> totals.HostFilter:
    return totals.HostFilter(now=NOW, **kw)


def test_every_view_adds_up_to_the_same_installs(engine, fleet):
    f = _filter()
    with engine.connect() as conn:
        summary = totals.summary(conn, f)
        products = totals.products(conn, f)
        vendors = totals.vendors(conn, f)
        export = list(totals.export_rows(conn, f))
        worst = totals.foreign_hosts(conn, f, limit=1000)
        unknown = totals.unknown_titles(conn, f, limit=10_000)
    installs = summary["installs"]
    assert installs > 0 and summary["hosts"]["reporting"] == FLEET
    assert sum(g["installs"] for g in summary["installs_by_status"]) == installs
    assert sum(c["installs"] for c in summary["by_category"]) == installs
    assert sum(c["installs"] for c in summary["by_country"]) == installs
    # known (products, vendors) and unknown (the curation queue) partition the installs: each counted once
    unknown_installs = next(g["installs"] for g in summary["installs_by_status"] if g["status"] == "unknown")
    assert sum(u["installs"] for u in unknown) == unknown_installs > 0
    assert sum(p["installs"] for p in products) + unknown_installs == installs
    assert sum(v["installs"] for v in vendors) + unknown_installs == installs
    queued = {u["name"] for u in unknown}
    assert {i["name"] for i in COUNTRYLESS} <= queued  # vendor known, country not: in the queue ...
    assert all(p["group"] != "unknown" for p in products) and all(v["status"] != "unknown" for v in vendors)  # only
    assert sum(r["installs"] for r in export) == installs
    assert len(worst) == summary["hosts_with_foreign"]
    foreign = sum(g["installs"] for g in summary["installs_by_status"] if g["status"].startswith("foreign"))
    assert sum(h["foreign"] for h in worst) == foreign


def test_the_curation_queue_by_publisher_adds_up_to_the_titles(engine, fleet):
    f = _filter()
    with engine.connect() as conn:
        titles = totals.unknown_titles(conn, f, limit=10_000)
        publishers = totals.unknown_publishers(conn, f, limit=10_000)
    assert publishers and sum(p["installs"] for p in publishers) == sum(t["installs"] for t in titles)
    for row in publishers:
        mine = [t for t in titles if (t["publisher"] or "") == row["publisher"]]
        assert row["titles"] == len({t["name"] for t in mine}) and row["example"] in {t["name"] for t in mine}
        assert max(t["hosts"] for t in mine) <= row["hosts"] <= sum(t["hosts"] for t in mine)
    assert [p["hosts"] for p in publishers] == sorted((p["hosts"] for p in publishers), reverse=True)


def test_totals_equal_an_independent_classification_of_the_reports(engine, fleet):
    """Classify every item of every last report in the test itself and count: the collector must agree."""
    classifier = Classifier(load_index([]), ("RU",))
    expected = Counter()
    hosts_with_foreign = 0
    for report in fleet:
        os_ = report["host"]["os"]
        items = report["software"] + [{"name": os_.get("product_name") or os_["name"], "source": "os",
                                       "os_id": os_.get("distro_id", "")}]
        groups = Counter(c.group for c in (classifier.classify(i) for i in items) if not c.os_component)
        expected.update(groups)
        hosts_with_foreign += groups["foreign-proprietary"] + groups["foreign-open-source"] > 0
    with engine.connect() as conn:
        summary = totals.summary(conn, _filter())
    got = {g["status"]: g["installs"] for g in summary["installs_by_status"]}
    assert got == {g: expected[g] for g in totals.GROUPS}
    assert summary["hosts_with_foreign"] == hosts_with_foreign
    windows = sum(r["host"]["os"]["family"] == "windows" for r in fleet)
    astra = sum(r["host"]["os"].get("distro_id") == "astra" for r in fleet)
    assert summary["domestic_os_hosts"] == astra and 0 < astra < FLEET - windows + 1


def _maintained(conn):
    """Every maintained row; rows whose figures net to zero carry nothing, so they are left out."""
    def rows(table, key):
        found = (tuple(r) for r in conn.execute(select(table).order_by(*key)))
        return sorted(r for r in found if any(v for v in r[len(key):] if isinstance(v, int)))
    return [rows(host_classes, [host_classes.c.host_id, host_classes.c.class_id]),
            rows(class_totals, [class_totals.c.class_id]),
            rows(host_totals, [host_totals.c.host_id]),
            rows(class_daily, [class_daily.c.day, class_daily.c.class_id]),
            rows(flag_daily, [flag_daily.c.day, flag_daily.c.flag]),
            rows(host_class_daily, [host_class_daily.c.class_id, host_class_daily.c.host_id, host_class_daily.c.day]),
            rows(unknown_names, [unknown_names.c.name_key]),
            rows(vendor_totals, [vendor_totals.c.vendor]),
            rows(usage_totals, [usage_totals.c.class_id, usage_totals.c.day])]


def test_maintained_aggregates_equal_a_rebuild_from_links_and_events(engine, fleet):
    with engine.connect() as conn:
        before = _maintained(conn)
    with write_transaction(engine) as conn:
        aggregates.rebuild(conn)
    with engine.connect() as conn:
        after = _maintained(conn)
    assert before == after
    assert all(before), "every maintained table has rows"


def _unknown_from_reports(reports) -> dict:
    """`footprint unknown` computed in the test from the reports: hosts, installs, versions per name."""
    classifier = Classifier(load_index([]), ("RU",))
    found: dict = {}
    for report in reports:
        for item in report["software"]:
            c = classifier.classify(item)
            if c.group != "unknown" or c.os_component:
                continue
            entry = found.setdefault((item["name"], item["source"], item.get("publisher")), [set(), 0, set()])
            entry[0].add(report["host"]["id"])
            entry[1] += 1
            entry[2].add(item["version"])
    return {k: (len(h), n, len(v)) for k, (h, n, v) in found.items()}


def _unknown_listed(conn, f) -> dict:
    rows = totals.unknown_titles(conn, f, limit=100_000)
    assert [r["hosts"] for r in rows] == sorted((r["hosts"] for r in rows), reverse=True)
    return {(r["name"], r["source"], r["publisher"]): (r["hosts"], r["installs"], r["versions"]) for r in rows}


def test_unknown_counts_hosts_installs_and_versions_per_name(engine, fleet):
    """A second version and a per-user copy of an unknown title on one host: one host, three installs."""
    classifier = Classifier(load_index([]), ("RU",))
    host = next(r for r in fleet if r["host"]["os"]["family"] == "windows")
    item = next(i for i in host["software"] if classifier.classify(i).group == "unknown")
    newer = dict(host, software=host["software"] + [dict(item, version="99.1"),
                                                     dict(item, scope="user", user="alice")])
    fleet[fleet.index(host)] = newer
    _send(engine, newer, NOW - timedelta(minutes=30))
    expected = _unknown_from_reports(fleet)
    assert expected[(item["name"], item["source"], item.get("publisher"))][1:] == (3, 2)
    with engine.connect() as conn:
        assert _unknown_listed(conn, _filter()) == expected
        finance = [r for i, r in enumerate(fleet) if i % 3 == 0]
        assert _unknown_listed(conn, _filter(tags=(("dept", "finance"),))) == _unknown_from_reports(finance)
    remove_host(engine, newer["host"]["id"])  # revoked, still counted in unknown_names: subtracted as left out
    with engine.connect() as conn:
        assert _unknown_listed(conn, _filter()) == _unknown_from_reports([r for r in fleet if r is not newer])
    with write_transaction(engine) as conn:
        maintained = _maintained(conn)
        aggregates.rebuild(conn)
        assert _maintained(conn) == maintained


def test_csv_export_is_the_rows_as_render_csv_writes_them(engine, fleet):
    """PostgreSQL writes the CSV itself (COPY): byte for byte what the csv module makes of the same rows."""
    from server.render import render_csv

    odd = dict(fleet[0], host=dict(fleet[0]["host"], hostname=' ws, "odd" 1 '))
    _send(engine, odd, NOW - timedelta(minutes=10))
    with engine.connect() as conn:
        rows = list(totals.export_rows(conn, _filter()))
        text = b"".join(totals.export_csv(conn, _filter(), bom=True)).decode("utf-8")
    assert any(r["vendor"] == "" for r in rows) and any(r["os_name"] for r in rows)
    assert text == render_csv(rows, totals.EXPORT_COLUMNS, bom=True)
    assert '" ws, ""odd"" 1 "' in text


def test_the_export_is_the_same_bytes_on_sqlite_and_postgresql(sqlite_url, pg_url):
    """PostgreSQL sorts the export by each host's and class's place, SQLite by the text itself: on the same fleet
    (two hosts sharing a name, a Cyrillic and a quoted one, hosts left out as stale or by a tag) both write the
    same CSV and the same rows, ordered by host name, host id, vendor and product."""
    from server.store.db import make_engine
    from server.store.migrate import upgrade

    reports = [synthetic.host_report(i, seed=11, windows_size=60, linux_size=60) for i in range(16)]
    names = {3: "ws-shared", 4: "ws-shared", 5: ' ws, "odd" 1 ', 6: "бухгалтерия-01", 7: "Ws-Upper"}
    for i, name in names.items():
        reports[i] = dict(reports[i], host=dict(reports[i]["host"], hostname=name))
    exports = []
    for url in (sqlite_url, pg_url):
        engine = make_engine(url)
        upgrade(engine)
        for i, report in enumerate(reports):
            _enroll(engine, report, {"dept": ("finance", "sales")[i % 2]})
            _send(engine, report, NOW - timedelta(days=40 if i == 9 else 1))  # host 9: stale, left out
        with engine.connect() as conn:
            exports.append([(b"".join(totals.export_csv(conn, f)), list(totals.export_rows(conn, f)))
                            for f in (_filter(), _filter(tags=(("dept", "sales"),)))])
        engine.dispose()
    assert exports[0] == exports[1]
    (csv_all, rows), (csv_sales, sales) = exports[0]
    assert [r["hostname"] for r in rows].count("ws-shared") > 2 and reports[9]["host"]["id"] not in csv_all.decode()
    assert rows == sorted(rows, key=lambda r: (r["hostname"], r["host_id"], r["vendor"], r["product"]))
    sales_ids = {r["host"]["id"] for r in reports[1::2]}
    assert sales == [r for r in rows if r["host_id"] in sales_ids]
    assert len(csv_sales.splitlines()) == len(sales) + 1 and "бухгалтерия-01" not in csv_sales.decode()


def test_trend_shows_the_zoom_removal_and_counts_hosts(engine, fleet):
    zoom_march = sum(any(i["name"].lower().startswith("zoom") for i in
                         synthetic.host_report(n, seed=7, windows_size=40, linux_size=40)["software"])
                     for n in range(FLEET))
    zoom_now = sum(any(i["name"].lower().startswith("zoom") for i in r["software"]) for r in fleet)
    assert zoom_now < zoom_march, "the fixture removed Zoom somewhere"
    with engine.connect() as conn:
        rows = totals.trend(conn, _filter(), since=date(2026, 3, 1), by="month", product="zoom-workplace",
                            today=NOW.date())
        overall = totals.trend(conn, _filter(), since=date(2026, 3, 1), by="month", today=NOW.date())
    by_period = {r["period"]: r for r in rows}
    assert by_period["2026-03"]["hosts_with_product"] == zoom_march
    assert by_period["2026-06"]["hosts_with_product"] == zoom_now == by_period["2026-11"]["hosts_with_product"]
    assert [r["period"] for r in overall][:4] == ["2026-03", "2026-04", "2026-05", "2026-06"]
    assert overall[0]["hosts"] == FLEET
    assert overall[3]["foreign_installs"] == overall[0]["foreign_installs"] - (zoom_march - zoom_now)
    with engine.connect() as conn:
        summary = totals.summary(conn, _filter())
    foreign = sum(g["installs"] for g in summary["installs_by_status"] if g["status"].startswith("foreign"))
    assert overall[-1]["foreign_installs"] == foreign and overall[-1]["installs"] == summary["installs"]


def test_a_filtered_trend_sums_the_day_rows_as_a_replay_of_the_events_would(engine, fleet):
    """With tag/OS filters the trend sums the matching hosts' day rows: the per-day changes a replay of their
    events gives, and the finance trend ends at the finance summary."""
    finance = _filter(tags=(("dept", "finance"),))
    with engine.connect() as conn:
        for f in (finance, _filter(os="windows"), _filter(os="astra"), _filter()):
            matching = select(hosts.c.id).where(f.matching())
            replayed, flags, _ = aggregates.daily_from_events(conn, host_ids=matching)
            assert replayed and flags
            assert daily.class_days(conn, matching) == replayed
            assert daily.flag_days(conn, matching) == flags
            assert daily.class_days(conn, matching, with_hosts=False) == {
                k: (n, 0) for k, (n, _) in replayed.items() if n}
        rows = totals.trend(conn, finance, since=date(2026, 3, 1), today=NOW.date())
        zoom = totals.trend(conn, finance, since=date(2026, 3, 1), product="zoom-workplace", today=NOW.date())
        summary = totals.summary(conn, finance)
    foreign = sum(g["installs"] for g in summary["installs_by_status"] if g["status"].startswith("foreign"))
    assert rows[-1]["installs"] == summary["installs"] and rows[-1]["foreign_installs"] == foreign
    assert rows[-1]["hosts"] == FLEET // 3 and rows[-1]["hosts_with_foreign"] == summary["hosts_with_foreign"]
    with_zoom = [r for i, r in enumerate(fleet) if i % 3 == 0 and any(
        item["name"].lower().startswith("zoom") for item in r["software"])]
    assert zoom[-1]["hosts_with_product"] == len(with_zoom)


def test_filters_tags_os_and_stale_hosts(engine, fleet):
    with engine.connect() as conn:
        finance = totals.summary(conn, _filter(tags=(("dept", "finance"),)))
        sales = totals.summary(conn, _filter(tags=(("dept", "sales"),)))
        everyone = totals.summary(conn, _filter())
        windows = totals.summary(conn, _filter(os="windows"))
        n_finance = conn.execute(select(host_tags).where(host_tags.c.value == "finance")).all()
    assert finance["hosts"]["reporting"] == len(n_finance) == FLEET // 3
    assert finance["installs"] + sales["installs"] == everyone["installs"]
    assert windows["hosts"]["reporting"] == sum(r["host"]["os"]["family"] == "windows" for r in fleet)
    later = totals.HostFilter(now=NOW + timedelta(days=40), stale_days=30)
    with engine.connect() as conn:
        stale = totals.summary(conn, later)
    assert stale["hosts"]["stale"] == FLEET and stale["hosts"]["reporting"] == 0 and stale["installs"] == 0


def test_removed_hosts_leave_every_total(engine, fleet):
    victim = fleet[0]["host"]["id"]
    with engine.connect() as conn:
        before = totals.summary(conn, _filter())
        own = conn.execute(select(host_totals.c.installs).where(host_totals.c.host_id == victim)).scalar_one()
    remove_host(engine, victim, purge=True)
    with engine.connect() as conn:
        after = totals.summary(conn, _filter())
        maintained = _maintained(conn)
    assert after["installs"] == before["installs"] - own
    assert after["hosts"]["reporting"] == FLEET - 1
    with write_transaction(engine) as conn:
        aggregates.rebuild(conn)
    with engine.connect() as conn:
        assert _maintained(conn) == maintained


def test_reclassify_applies_a_local_catalog_and_a_new_home_country(engine, fleet, tmp_path):
    with engine.connect() as conn:
        before = totals.summary(conn, _filter())
        unknown_before = totals.unknown_titles(conn, _filter(), limit=10_000)
    tools = [u for u in unknown_before if u["name"].startswith("Contoso Line-of-Business Tool")]
    assert tools, "the long tail is unknown before the local catalog"
    local = contoso.write_catalog(tmp_path / "catalog")
    classify.reclassify(engine, local_dirs=[local])
    with engine.connect() as conn:
        after = totals.summary(conn, _filter())
        products = {p["product"]: p for p in totals.products(conn, _filter())}
    grp = {g["status"]: g["installs"] for g in after["installs_by_status"]}
    grp_before = {g["status"]: g["installs"] for g in before["installs_by_status"]}
    moved = sum(u["installs"] for u in tools)
    assert products["contoso-lob"]["installs"] == moved
    assert grp["domestic"] == grp_before["domestic"] + moved and grp["unknown"] == grp_before["unknown"] - moved
    classify.reclassify(engine, home=("DE",), local_dirs=[local])
    with engine.connect() as conn:
        german = totals.summary(conn, _filter())
        state = classify.stored_state(conn)
    assert state["home"] == "DE"
    german_groups = {g["status"]: g["installs"] for g in german["installs_by_status"]}
    assert german_groups["domestic"] < grp["domestic"]  # Russian products are foreign to a German organisation
    assert german["installs"] == after["installs"]


def test_reclassify_brings_the_totals_up_to_date_as_a_full_rebuild_would(engine, fleet, tmp_path):
    """From what changed only: titles moved to another class (one host dropped its Contoso tools first, so some
    moved titles live in events only), every class regrouped by a new home country, then back. After each step
    every maintained table equals a rebuild from the links and events."""
    contoso_host = next(r for r in fleet if any(i["name"].startswith("Contoso") for i in r["software"]))
    _send(engine, _without(contoso_host, "contoso"), NOW - timedelta(minutes=30))
    local = contoso.write_catalog(tmp_path / "catalog")
    steps = [({"local_dirs": [local]}, True), ({"home": ("US",), "local_dirs": [local]}, False),
             ({"home": ("RU",)}, True)]
    for step, moves in steps:
        with engine.connect() as conn:
            labels = classify.title_labels(conn)
        result = classify.reclassify(engine, **step)
        with engine.connect() as conn:
            assert classify.title_labels(conn) != labels
            reclassified = _maintained(conn)
        assert bool(result["moved"]) == moves and result["moved"] < result["titles"]
        with write_transaction(engine) as conn:
            aggregates.rebuild(conn)
        with engine.connect() as conn:
            assert _maintained(conn) == reclassified, step
    again = classify.reclassify(engine, home=("RU",), if_changed=True)
    assert again["titles"] == again["moved"] == 0  # another process already did it


def test_the_admin_api_answers_the_same_figures(engine, fleet, client, admin_headers):
    client.app.state.clock = lambda: NOW  # the fleet last reported an hour before NOW
    with engine.connect() as conn:
        direct = totals.summary(conn, _filter())
    answer = client.get("/api/v1/admin/summary", headers=admin_headers)
    assert answer.status_code == 200, answer.text
    api = answer.json()
    assert api["installs"] == direct["installs"] and api["installs_by_status"] == direct["installs_by_status"]
    products = client.get("/api/v1/admin/products", params={"status": "foreign"}, headers=admin_headers).json()
    zoom = next(p for p in products["products"] if p["product"] == "zoom-workplace")
    assert {"yandex-telemost", "trueconf"} & {a["id"] for a in zoom["alternatives"]}
    assert all(p["group"].startswith("foreign") for p in products["products"])
    export = client.get("/api/v1/admin/export", params={"format": "csv", "bom": "true"}, headers=admin_headers)
    lines = export.text.splitlines()
    assert lines[0].startswith("\ufeffhost_id,hostname")
    assert sum(int(line.rsplit(",", 1)[1]) for line in lines[1:]) == direct["installs"]
    assert client.get("/api/v1/admin/summary", params={"tag": "dept"}, headers=admin_headers).status_code == 400
    host = fleet[1]["host"]["id"]
    detail = client.get(f"/api/v1/admin/hosts/{host}/classified", headers=admin_headers).json()
    assert {i["group"] for i in detail["software"]} <= {*totals.GROUPS, "os-component"}
    assert all(i["rule"] for i in detail["software"] if i["group"] != "unknown")


def _vendor_hosts_from_reports(reports, classifier) -> dict:
    """Hosts per vendor listed by `footprint vendors`, counted in the test from the reports: a vendor is listed
    when one of its installs is classified (not unknown), and its hosts are those with any of its installs."""
    listed, hosts = set(), defaultdict(set)
    for report in reports:
        os_ = report["host"]["os"]
        items = report["software"] + [{"name": os_.get("product_name") or os_["name"], "source": "os",
                                       "os_id": os_.get("distro_id", "")}]
        for c in (classifier.classify(i) for i in items):
            if not c.os_component:
                hosts[c.vendor].add(report["host"]["id"])
                listed |= {c.vendor} if c.group != "unknown" else set()
    return {v: len(hosts[v]) for v in listed}


def _listed_vendor_hosts(conn, f) -> dict:
    return {v["vendor"]: v["hosts"] for v in totals.vendors(conn, f)}


def _unused_from_reports(reports, classifier, days: int = 90) -> dict:
    """The summary's unused share counted in the test from the reports: the programs (no distribution package)
    of the hosts any of whose items carries a last use, those last used before the cutoff, those with none."""
    cutoff = (NOW - timedelta(days=days)).date().isoformat()
    recording = [r for r in reports if any(i.get("last_used") for i in r["software"])]
    programs = [i for r in recording for i in r["software"] if not classifier.classify(i).os_component]
    unused = sum(1 for i in programs if i.get("last_used") and i["last_used"][:10] < cutoff)
    unrecorded = sum(1 for i in programs if not i.get("last_used"))
    return {"hosts_recording": len(recording), "installs": len(programs), "unused": unused,
            "no_use_recorded": unrecorded}


def _unused_listed(conn, f) -> dict:
    unused = totals.summary(conn, f)["unused"]
    return {k: unused[k] for k in ("hosts_recording", "installs", "unused", "no_use_recorded")}


def _assert_maintained_equal_a_rebuild(engine) -> None:
    """Every maintained table equals a rebuild from the links and events (rolled back: the fleet goes on)."""
    with engine.connect() as conn:
        maintained = _maintained(conn)
        aggregates.rebuild(conn)
        rebuilt = _maintained(conn)
        conn.rollback()
    assert maintained == rebuilt and all(maintained)


def test_vendor_hosts_and_last_use_are_maintained_through_ingests_removals_and_reclassification(engine, fleet,
                                                                                              tmp_path):
    """A vendor's hosts (several of its products on one host count once) and the unused share follow each change:
    equal to a rebuild and to the reports, over the whole fleet (maintained sums less the hosts left out) and a
    tag (the kept hosts' rows)."""
    classifier = Classifier(load_index([]), ("RU",))
    _assert_maintained_equal_a_rebuild(engine)
    finance = [0, 3, 6, 9]  # the fixture's dept=finance hosts
    with engine.connect() as conn:
        several = [v for v in totals.vendors(conn, _filter()) if v["products"] > 1]
        assert several, "some vendor has several products on the fleet"
        assert _listed_vendor_hosts(conn, _filter()) == _vendor_hosts_from_reports(fleet, classifier)
        expected = _unused_from_reports(fleet, classifier)
        assert _unused_listed(conn, _filter()) == expected and 0 < expected["unused"] < expected["installs"]
    # a Windows host drops every program of the vendor with most products but keeps its OS; another host
    # drops everything but one; a host that recorded last use stops, one that did not starts, a third host is
    # revoked (its rows stay: left out) and a fourth purged
    vendor = max(several, key=lambda v: v["products"])["vendor"]
    windows = [i for i, r in enumerate(fleet) if r["host"]["os"]["family"] == "windows"]
    dropper, sparse, revoked = windows[0], windows[1], 2
    purged = next(i for i in windows if i % 2 and i not in (dropper, sparse))  # it records last use
    others = [i for i in windows if i not in (dropper, sparse, revoked, purged)]
    stops, starts = next(i for i in others if i % 2), next(i for i in others if not i % 2)
    fleet[dropper] = dict(fleet[dropper], software=[i for i in fleet[dropper]["software"]
                                                    if classifier.classify(i).vendor != vendor])
    fleet[sparse] = dict(fleet[sparse], software=fleet[sparse]["software"][:1])
    fleet[stops] = dict(fleet[stops], software=[{k: v for k, v in i.items() if k != "last_used"}
                                                for i in fleet[stops]["software"]])
    fleet[starts] = _with_last_use(fleet[starts], 7)
    for i in (dropper, sparse, stops, starts):
        _send(engine, fleet[i], NOW - timedelta(minutes=30))
    revoked, purged = fleet[revoked]["host"]["id"], fleet[purged]["host"]["id"]
    remove_host(engine, revoked)
    remove_host(engine, purged, purge=True)
    _assert_maintained_equal_a_rebuild(engine)
    current = [r for r in fleet if r["host"]["id"] not in (revoked, purged)]
    with engine.connect() as conn:
        assert _listed_vendor_hosts(conn, _filter()) == _vendor_hosts_from_reports(current, classifier)
        assert _unused_listed(conn, _filter()) == _unused_from_reports(current, classifier)
        tagged = [fleet[i] for i in finance if fleet[i]["host"]["id"] not in (revoked, purged)]
        finance_only = _filter(tags=(("dept", "finance"),))
        assert _listed_vendor_hosts(conn, finance_only) == _vendor_hosts_from_reports(tagged, classifier)
        assert _unused_listed(conn, finance_only) == _unused_from_reports(tagged, classifier)
    # a local catalog turns the Contoso long tail into one vendor with two products, then ingest goes on
    local = tmp_path / "catalog"
    local.mkdir()
    (local / "contoso.toml").write_text(
        '[[vendor]]\nid = "contoso"\nname = "Contoso"\ncountry = "US"\n'
        'aliases = ["Contoso Department 1"]\npublisher_patterns = [\'^contoso department \\d+$\']\n'
        'source = "https://intranet.example/contoso"\nchecked = "2026-11-23"\n\n'
        '[[product]]\nid = "contoso-lob"\nvendor = "contoso"\nname = "Contoso line-of-business tools"\n'
        'category = "other"\nlicense = "proprietary"\n'
        '[product.match]\nwindows = [\'contoso line-of-business tool \\d*[02468]$\']\n\n'
        '[[product]]\nid = "contoso-odd"\nvendor = "contoso"\nname = "Contoso odd tools"\n'
        'category = "other"\nlicense = "proprietary"\n'
        '[product.match]\nwindows = [\'contoso line-of-business tool \\d*[13579]$\']\n', encoding="utf-8")
    classify.reclassify(engine, local_dirs=[local])
    local_classifier = Classifier(load_index([local]), ("RU",))
    contoso = next(i for i, r in enumerate(current) if any("Contoso" in s["name"] for s in r["software"]))
    current[contoso] = _with_last_use(_without(current[contoso], "contoso"), 3)
    _send(engine, current[contoso], NOW - timedelta(minutes=20))
    _assert_maintained_equal_a_rebuild(engine)
    with engine.connect() as conn:
        listed = _listed_vendor_hosts(conn, _filter())
        assert listed == _vendor_hosts_from_reports(current, local_classifier) and listed["contoso"] > 1
        assert _unused_listed(conn, _filter()) == _unused_from_reports(current, local_classifier)


def test_the_kept_hosts_and_the_fleet_less_the_left_out_give_the_same_figures(engine, fleet):
    """Each figure has two exact paths (the kept hosts' rows, or the maintained sums less the hosts left out):
    both agree for every filter, with a revoked host, a stale one, an incomplete one and hosts recording use."""
    stale = synthetic.host_report(FLEET, seed=7, windows_size=40, linux_size=40)
    _enroll(engine, stale, {"dept": "sales"})
    _send(engine, _with_last_use(stale), MARCH)  # not seen since March: stale in November
    broken = dict(fleet[5], errors=[{"source": "dpkg", "message": "permission denied"}])
    _send(engine, broken, NOW - timedelta(minutes=30))
    remove_host(engine, fleet[1]["host"]["id"])
    filters = [_filter(), _filter(tags=(("dept", "finance"),)), _filter(os="windows"), _filter(stale_days=400),
               _filter(seen_within_days=1)]
    with engine.connect() as conn:
        info = totals._class_info(conn)
        for f in filters:
            known, stale_hosts, _ = totals._census(conn, f)
            paths = []
            for few in (True, False):
                counts = totals.class_counts(conn, f, few)
                paths.append((totals._host_figures(conn, f, info, (known, stale_hosts, few)), counts,
                              totals.vendors(conn, f, counts=counts, info=info, few=few),
                              totals.class_usage(conn, f, 90, few)))
            assert paths[0] == paths[1], totals.describe(f)
        figures = totals._host_figures(conn, _filter(), info)[0]
        assert figures["hosts_incomplete"] == 1 and figures["hosts"]["stale"] == 1
        assert figures["hosts"]["reporting"] == FLEET - 1

"""Every report the agent can produce is accepted by the collector and by `footprint import`.

The agent's real sources read this directory's fixtures (dpkg, rpm, snap, flatpak, every Windows .reg
export, every os-release); hypothesis then mixes their items and corrupts fields with arbitrary values
(any text, NULs, lone surrogates, huge numbers). Whatever it draws, the agent's report must pass the
collector's schema, its ingest checks and the importer, and lose nothing but the items it names.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Dict, List

import pytest

pytest.importorskip("pydantic", reason="the collector's side runs on the server's Python")
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from agent import contract  # noqa: E402
from agent.inventory import collect  # noqa: E402
from agent.report import build_report  # noqa: E402
from agent.sources.linux.rpm import parse_query_output  # noqa: E402
from agent.sources.linux.snap import parse_snap_list, parse_snaps_response  # noqa: E402
from agent.sources.windows.msix import items_from_store  # noqa: E402
from agent.sources.windows.uninstall import user_names  # noqa: E402
from agent.windows_registry.regfile import RegFileReader  # noqa: E402
from tests.agent.sources.linux.test_flatpak import _machine as flatpak_machine  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
WINDOWS = FIXTURES / "windows"
EXPORTS = [[p] for p in sorted(WINDOWS.glob("*.reg")) if p.name != "host-win11.reg"]
EXPORTS.append([WINDOWS / "ru-win11-uninstall.reg", WINDOWS / "host-win11.reg"])


def _linux_roots(make_root) -> List[Path]:
    roots = []
    for release in sorted((FIXTURES / "os-release").iterdir()):
        roots.append(make_root({"etc/os-release": release, "etc/hostname": f"ws-{release.name}\n",
                                "var/lib/dpkg/status": FIXTURES / "dpkg" / "status"}, release.name))
    return roots


@pytest.fixture(scope="module")
def agent_reports(tmp_path_factory) -> List[dict]:
    """The reports the agent makes from every fixture: whole machines, as `collect` builds them."""
    base = tmp_path_factory.mktemp("roots")

    def make_root(files: Dict[str, object], name: str) -> Path:
        import shutil

        root = base / name
        for relative, content in files.items():
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, Path):
                shutil.copyfile(content, target)
            else:
                target.write_text(str(content), encoding="utf-8")
        return root

    reports = [collect(str(root)) for root in _linux_roots(make_root)]
    reports.append(collect(str(flatpak_machine(lambda files: make_root(files, "flatpak"), FIXTURES))))
    reports += [collect(reg_exports=[str(p) for p in paths]) for paths in EXPORTS]
    return reports


@pytest.fixture(scope="module")
def more_items() -> List[dict]:
    """Items of the sources a fake root cannot hold: rpm query output, snapd's answers, and the MSIX
    packages of a Windows registry export (their manifests are not in the export)."""
    rpm, _ = parse_query_output((FIXTURES / "rpm" / "redos-qa.txt").read_text(encoding="utf-8"), "/var/lib/rpm")
    snaps = parse_snap_list((FIXTURES / "snap" / "snap-list.txt").read_text(encoding="utf-8"))
    api = parse_snaps_response(200, (FIXTURES / "snap" / "v2-snaps.json").read_bytes(), "/run/snapd.socket")
    store = RegFileReader.from_files([WINDOWS / "appx-all-user-store.reg"])

    def no_manifest(path: str) -> bytes:
        raise FileNotFoundError(path)

    msix = items_from_store(store, no_manifest, user_names(store)).items
    return [item.to_dict() for item in rpm + snaps + api.items + msix]


def test_the_fixtures_give_every_source(agent_reports, more_items):
    sources = {item["source"] for report in agent_reports for item in report["software"]}
    sources |= {item["source"] for item in more_items}
    assert {"deb", "rpm", "snap", "flatpak", "windows", "msix"} <= sources
    assert all(report["software"] for report in agent_reports if report["host"]["os"]["family"] == "linux")


def _accepted(report: dict, tmp_path: Path) -> None:
    """The collector's schema and ingest checks, and the importer's path, all take the report."""
    from server.importers.batch import read_reports
    from server.store.ingest import parse_report

    body = json.dumps(report, ensure_ascii=False).encode("utf-8")
    parsed = parse_report(body)
    assert len(parsed.report.software) == len(report["software"])
    path = tmp_path / "report.json"
    path.write_bytes(body)
    fmt, imported, notes = read_reports(path)
    assert fmt == "footprint-json" and [r.report.report_id for r in imported] == [report["report_id"]] and not notes


def test_every_fixture_report_is_accepted_as_it_is(agent_reports, tmp_path):
    for report in agent_reports:
        assert contract.problems(report) == []
        _accepted(report, tmp_path)


# Values hypothesis puts into fields: any text (NUL, surrogates, up to 3,000 characters), numbers
# beyond 64 bits, wrong types.
WILD = st.one_of(
    st.text(max_size=40), st.text(min_size=200, max_size=3000), st.just("\x00"),
    st.sampled_from(["\ud800", "a\udfffb", "9999-12-31T23:59:59-14:00", ""]),
    st.integers(min_value=-(2**70), max_value=2**70), st.booleans(), st.none(),
    st.lists(st.text(max_size=5), max_size=3), st.dictionaries(st.text(max_size=70), st.text(max_size=5), max_size=40),
)
ITEM_FIELDS = sorted(contract.SOFTWARE_ITEM.fields)
HOST_FIELDS = [("host", name) for name in contract.HOST.fields if name not in ("id", "os")]
HOST_FIELDS += [("os", name) for name in contract.OS.fields if name != "family"]
HOST_FIELDS += [("hardware", name) for name in contract.HARDWARE.fields]


@st.composite
def corrupted_reports(draw, reports: List[dict], extra_items: List[dict]):
    base = draw(st.sampled_from(reports))
    pool = base["software"] + extra_items
    items = [dict(item) for item in draw(st.lists(st.sampled_from(pool), max_size=40))]
    for _ in range(draw(st.integers(0, 12))):
        if not items:
            break
        item = items[draw(st.integers(0, len(items) - 1))]
        item[draw(st.sampled_from(ITEM_FIELDS))] = draw(WILD)
    host = json.loads(json.dumps(base["host"]))
    host["os"] = dict(host["os"])
    hardware = dict(base.get("hardware", {}))
    for part, name in draw(st.lists(st.sampled_from(HOST_FIELDS), max_size=4)):
        target = {"host": host, "os": host["os"], "hardware": hardware}[part]
        target[name] = draw(WILD)
    errors = draw(st.lists(st.fixed_dictionaries({"source": st.text(max_size=80), "message": st.text(max_size=50)}),
                           max_size=3))
    return host, hardware, items, errors


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=st.data())
def test_whatever_the_sources_yield_the_collector_accepts_the_report(agent_reports, more_items, tmp_path, data):
    host, hardware, items, errors = data.draw(corrupted_reports(agent_reports, more_items))
    report = build_report(host, hardware, {"interfaces": []}, items, errors, 10)
    assert contract.problems(report) == []
    _accepted(report, tmp_path)
    # Nothing is lost silently: every item is in the report or named by one `errors` entry.
    dropped = [e for e in report["errors"] if re.match(r"software\.\d+ left out: ", e["message"])]
    assert len(report["software"]) + len(dropped) == len(items)

"""Phones from the MDM exports through the whole chain: Intune (device list with its discovered apps), Jamf Pro
(device records) and GLPI's Android agent (JSON and XML) through `footprint import`, then a real `footprint serve`
answering `footprint summary --kind phone|tablet` and `footprint products`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).parents[1] / "server" / "importers" / "fixtures"
GUARD = 120  # seconds a subprocess may take before the test gives up (not a measurement)


def _footprint(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from server.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=GUARD, env=env)


def _json(env: dict, *args: str) -> dict:
    done = _footprint(env, *args, "-o", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def test_mdm_exports_reach_the_summary_by_kind(live_collector, tmp_path):
    from server.store.credentials import create_token
    from server.store.db import make_engine

    database = f"sqlite:///{live_collector.database}"
    engine = make_engine(database)
    admin = create_token(engine, "admin", name="mdm import end to end").secret
    engine.dispose()
    env = dict(os.environ, FOOTPRINT_SERVER=live_collector.url, FOOTPRINT_TOKEN=admin,
               FOOTPRINT_CLIENT_CONFIG=str(tmp_path / "no-client-config.toml"))
    exports = [*sorted((FIXTURES / "intune").glob("AppInv[BR]*.csv")),
               *(FIXTURES / "intune").glob("DevicesWithInventory_*.csv"),
               FIXTURES / "jamf", FIXTURES / "glpi-android-huawei.json", FIXTURES / "glpi-android-samsung.xml"]
    imported = _json(env, "import", *map(str, exports), "--db", database)
    assert len(imported["hosts_added"]) == 11 and imported["rejected"] == []
    assert imported["formats"] == {"intune-csv": 1, "jamf-xml": 2, "glpi-json": 1, "fusion-xml": 1}

    phone = _json(env, "summary", "--kind", "phone")
    tablet = _json(env, "summary", "--kind", "tablet")
    whole = _json(env, "summary")
    assert (phone["hosts"]["reporting"], tablet["hosts"]["reporting"], whole["hosts"]["reporting"]) == (9, 2, 11)
    assert phone["installs"] + tablet["installs"] == whole["installs"]
    # Intune and GLPI name no vendor build (One UI, HyperOS, EMUI): those phones count as Google's Android
    assert {(o["os"], o["country"], o["hosts"]) for o in phone["operating_systems"]} == {
        ("Android", "US", 5), ("Apple iOS / iPadOS", "US", 4)}
    assert [(o["os"], o["hosts"]) for o in tablet["operating_systems"]] == [("Apple iOS / iPadOS", 2)]
    # what Intune does not list makes a phone incomplete: personally owned, work profile, fully managed
    assert phone["hosts_incomplete"] == 3 and phone["hosts_with_foreign"] == 9
    reasons = json.dumps(phone["incomplete_reasons"], ensure_ascii=False)
    assert "personally-owned" in reasons and "work profile" in reasons and "fully managed" in reasons
    # domestic apps: by package name on the GLPI Huawei (Госуслуги ru.rostel, СберБанк ru.sberbankmobile); Intune's
    # raw export names no package, so on its Xiaomi only the publisher tells the vendor (Минцифры, Яндекс), no product
    domestic = {(p["product"], p["name"], p["hosts"]) for p in _json(env, "products", "--kind", "phone")["products"]
                if p["status"] == "domestic"}
    assert domestic == {("gosuslugi-mobile", "Госуслуги (Gosuslugi, mobile)", 1),
                        ("sberbank-online-mobile", "СберБанк Онлайн (mobile)", 1),
                        ("", "(other Ministry of Digital Development of Russia (Mintsifry) software)", 1),
                        ("", "(other Yandex software)", 1)}
    assert {s["status"]: s["installs"] for s in phone["installs_by_status"]}["domestic"] == 4
    products = {p["product"]: p for p in _json(env, "products", "--kind", "phone", "--category", "messaging")
                ["products"]}
    assert {name: p["hosts"] for name, p in products.items()} == {
        "whatsapp-mobile": 4, "telegram-mobile": 3, "viber-mobile": 1, "wechat-mobile": 1}
    assert sorted(products["telegram-mobile"]["versions"]) == ["11.2", "11.2.3"]

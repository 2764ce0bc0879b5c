"""Phones through the whole chain: the real tools' output (scripts printing it), `footprint-agent send --phone
all`, a real `footprint serve`, then `footprint summary --kind phone|tablet` and `footprint products`."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.support.phone_tools import HUAWEI, IPAD, IPHONE, SAMSUNG, XIAOMI, FakeTools

GUARD = 120  # seconds a subprocess may take before the test gives up (not a measurement)


def _footprint(env: dict, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", "from server.cli import main; main()", *args, "-o", "json"],
                          capture_output=True, text=True, timeout=GUARD, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def test_phones_reach_the_summary_by_kind(live_collector, agent_cli, tmp_path, monkeypatch):
    from server.store.credentials import create_token
    from server.store.db import make_engine

    engine = make_engine(f"sqlite:///{live_collector.database}")
    admin = create_token(engine, "admin", name="phones end to end").secret
    engine.dispose()
    phones = FakeTools(tmp_path, monkeypatch)
    phones.attach([SAMSUNG, XIAOMI, HUAWEI], [IPHONE, IPAD])
    sent = agent_cli("send", "--phone", "all", **phones.env(), FOOTPRINT_SERVER=live_collector.url,
                     FOOTPRINT_ENROLL_SECRET=live_collector.secret)
    assert sent.returncode == 0, sent.stderr

    env = dict(os.environ, FOOTPRINT_SERVER=live_collector.url, FOOTPRINT_TOKEN=admin,
               FOOTPRINT_CLIENT_CONFIG=str(tmp_path / "no-client-config.toml"))
    phone = _footprint(env, "summary", "--kind", "phone")
    tablet = _footprint(env, "summary", "--kind", "tablet")
    whole = _footprint(env, "summary")
    assert (phone["hosts"]["reporting"], tablet["hosts"]["reporting"], whole["hosts"]["reporting"]) == (4, 1, 5)
    assert phone["installs"] + tablet["installs"] == whole["installs"]
    # which operating systems the phones run, and whose: the vendor's build decides (One UI, HyperOS, EMUI)
    assert {(o["os"], o["country"], o["status"], o["hosts"]) for o in phone["operating_systems"]} == {
        ("Apple iOS / iPadOS", "US", "foreign", 1), ("Samsung One UI (Android)", "KR", "foreign", 1),
        ("Xiaomi HyperOS / MIUI (Android)", "CN", "foreign", 1), ("Huawei EMUI / HarmonyOS", "CN", "foreign", 1)}
    assert phone["domestic_os_hosts"] == 0 and phone["hosts_with_foreign"] == 4
    assert [(o["os"], o["hosts"]) for o in tablet["operating_systems"]] == [("Apple iOS / iPadOS", 1)]
    # which foreign messengers are on how many phones
    products = {p["product"]: p for p in _footprint(env, "products", "--kind", "phone", "--category", "messaging")
                ["products"]}
    assert {name: p["hosts"] for name, p in products.items()} == {
        "whatsapp-mobile": 3, "telegram-mobile": 3, "viber-mobile": 1, "wechat-mobile": 1}
    assert all(p["status"] == "foreign" for p in products.values())
    assert sorted(products["whatsapp-mobile"]["versions"]) == ["2.24.10.80", "24.11.85"]
    assert "max-messenger" in [a["id"] for a in products["telegram-mobile"]["alternatives"]]

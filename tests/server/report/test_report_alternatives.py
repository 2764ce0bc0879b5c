"""The report names each alternative with its country and its register entry, as `products` does."""

from __future__ import annotations

from server.report.data import _product


def test_alternatives_carry_country_and_register_entry():
    row = {"name": "Zoom Workplace", "vendor": "Zoom", "country": "US", "group": "foreign-proprietary",
           "category": "video-conferencing", "installs": 3, "hosts": 2,
           "alternatives": [{"name": "SBIS", "country": "RU", "register": "332"},
                            {"name": "Jitsi Meet", "country": "US", "register": ""},
                            {"name": "Element", "country": "", "register": ""}]}
    assert _product(row).alternatives == ["SBIS (RU, register 332)", "Jitsi Meet (US)", "Element"]

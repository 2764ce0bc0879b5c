"""Normalization of inventory strings: what catalog patterns and aliases are written against."""

from __future__ import annotations

import pytest

from server.catalog.normalize import normalize, normalize_publisher


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Zoom Workplace (64-bit)", "zoom workplace"),
        ("Microsoft 365 Apps for enterprise - ru-ru", "microsoft 365 apps for enterprise"),
        ("Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.38.33135",
         "microsoft visual c++ 2015-2022 redistributable"),
        ("Microsoft Visual C++ 2008 Redistributable - x86 9.0.30729.6161", "microsoft visual c++ 2008 redistributable"),
        ("Mozilla Firefox (x64 ru)", "mozilla firefox"),
        ("Mozilla Firefox ESR (115.6.0esr x64 ru)", "mozilla firefox esr"),
        ("Mozilla Firefox 57.0.2 (fr)", "mozilla firefox"),
        ("7-Zip 23.01 (x64)", "7-zip"),
        ("WinRAR 6.24 (64-разрядная)", "winrar"),
        ("Telegram Desktop version 4.8.4", "telegram desktop"),
        ("Git version 2.12.2.2", "git"),
        ("Skype версии 8.98", "skype"),
        ("Skype™ 8.98", "skype"),
        ("PuTTY release 0.79 (64-bit)", "putty"),
        ("Yandex Browser 24.1.0.2570 en", "yandex browser"),
        ("Adobe Acrobat Reader DC - Russian", "adobe acrobat reader dc"),
        ("Microsoft Visual Studio Code (User)", "microsoft visual studio code"),
        ("FusionInventory Agent 2.4.x-build-26 (x64 edition)", "fusioninventory agent 2.4.x-build-26"),
        ("  Google   Chrome  ", "google chrome"),
        # bare numbers are part of names: years, major versions
        ("Microsoft Office профессиональный плюс 2016", "microsoft office профессиональный плюс 2016"),
        ("1С:Предприятие 8 (8.3.23.1865)", "1с:предприятие 8"),
        ("Java 8 Update 381 (64-bit)", "java 8 update 381"),
        # "version", "ver", "release", "build" strip only as words of their own
        ("Microsoft SQL Server 2005", "microsoft sql server 2005"),
        ("Realtek Card Reader Driver 10.0.22000.21355", "realtek card reader driver"),
        # brackets that are not decoration stay
        ("ABBYY FineReader 15 (Free)", "abbyy finereader 15 (free)"),
        ("Update for Windows 10 for x64-based Systems (KB5001716)",
         "update for windows 10 for x64-based systems (kb5001716)"),
        # Cyrillic look-alikes inside Latin text fold to Latin; Cyrillic words stay Cyrillic
        ("Мicrosoft Еdge", "microsoft edge"),
        ("Microsoft Оffice профессиональный", "microsoft office профессиональный"),
        ("Kaspersky Endpoint Security для Windows", "kaspersky endpoint security для windows"),
        ("Яндекс Телемост", "яндекс телемост"),
        # never normalized to nothing
        ("2016", "2016"),
        ("", ""),
    ],
)
def test_normalize(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Microsoft Corporation", "microsoft"),
        ("Microsoft Corp.", "microsoft"),
        ("Корпорация Майкрософт", "корпорация майкрософт"),
        ("АО «Лаборатория Касперского»", "лаборатория касперского"),
        ("ООО \"Яндекс\"", "яндекс"),
        ("ООО Yandex", "yandex"),
        ("Zoom Video Communications, Inc.", "zoom video communications"),
        ("JetBrains s.r.o.", "jetbrains"),
        ("win.rar GmbH", "win.rar"),
        ("SAP SE", "sap"),
        ("Viber Media S.à r.l.", "viber media"),
        ("Kaspersky Lab", "kaspersky lab"),
        ("The Document Foundation", "the document foundation"),
    ],
)
def test_normalize_publisher(raw, expected):
    assert normalize_publisher(raw) == expected

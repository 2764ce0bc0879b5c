"""A synthetic but realistic fleet (Windows office machines, Astra/Debian workstations) for benchmarks and tests.

Program names, publishers and package names are the strings real inventories carry; each host draws a
slightly different mix and versions from a seeded generator, so runs are reproducible.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta, timezone
from typing import Dict, List, Optional

from agent.contract import inventory_hash

# (DisplayName, Publisher, share of office machines that have it)
WINDOWS_COMMON = [
    ("Microsoft 365 Apps for enterprise - ru-ru", "Microsoft Corporation", 0.8),
    ("Microsoft Office профессиональный плюс 2019 - ru-ru", "Microsoft Corporation", 0.15),
    ("Microsoft Edge", "Microsoft Corporation", 0.99),
    ("Microsoft Edge WebView2 Runtime", "Microsoft Corporation", 0.95),
    ("Microsoft OneDrive", "Microsoft Corporation", 0.7),
    ("Microsoft Teams", "Microsoft Corporation", 0.4),
    ("Teams Machine-Wide Installer", "Microsoft Corporation", 0.3),
    ("Skype версии 8.110", "Skype Technologies S.A.", 0.2),
    ("Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.38.33130", "Microsoft Corporation", 0.9),
    ("Microsoft Visual C++ 2015-2022 Redistributable (x86) - 14.38.33130", "Microsoft Corporation", 0.9),
    ("Microsoft Visual C++ 2013 Redistributable (x64) - 12.0.40664", "Microsoft Corporation", 0.6),
    ("Microsoft Visual C++ 2010  x64 Redistributable - 10.0.40219", "Microsoft Corporation", 0.5),
    ("Microsoft .NET Runtime - 6.0.25 (x64)", "Microsoft Corporation", 0.5),
    ("Microsoft Windows Desktop Runtime - 8.0.1 (x64)", "Microsoft Corporation", 0.4),
    ("Zoom Workplace (64-bit)", "Zoom Video Communications, Inc.", 0.45),
    ("Google Chrome", "Google LLC", 0.7),
    ("Adobe Acrobat Reader DC - Russian", "Adobe Inc.", 0.6),
    ("Mozilla Firefox (x64 ru)", "Mozilla", 0.3),
    ("7-Zip 23.01 (x64)", "Igor Pavlov", 0.7),
    ("WinRAR 6.24 (64-разрядная)", "win.rar GmbH", 0.3),
    ("Notepad++ (64-bit x64)", "Notepad++ Team", 0.3),
    ("TeamViewer", "TeamViewer Germany GmbH", 0.2),
    ("AnyDesk", "AnyDesk Software GmbH", 0.2),
    ("Kaspersky Endpoint Security для Windows", "АО «Лаборатория Касперского»", 0.6),
    ("Агент администрирования Kaspersky Security Center", "АО «Лаборатория Касперского»", 0.6),
    ("Dr.Web Security Space", "Doctor Web, Ltd.", 0.1),
    ("КриптоПро CSP", "Компания КРИПТО-ПРО", 0.5),
    ("Яндекс Браузер", "ООО «ЯНДЕКС»", 0.4),
    ("1С:Предприятие 8 (8.3.24.1467)", "1C-Soft", 0.35),
    ("Telegram Desktop", "Telegram FZ-LLC", 0.25),
    ("Java 8 Update 401 (64-bit)", "Oracle Corporation", 0.3),
    ("Intel(R) Management Engine Components", "Intel Corporation", 0.6),
    ("Realtek High Definition Audio Driver", "Realtek Semiconductor Corp.", 0.6),
    ("NVIDIA Graphics Driver 546.33", "NVIDIA Corporation", 0.2),
    ("VLC media player", "VideoLAN", 0.4),
    ("LibreOffice 7.6.4.1", "The Document Foundation", 0.2),
    ("МойОфис Стандартный", "ООО «Новые облачные технологии»", 0.2),
]
# Packages from outside the distribution's archive on Linux workstations.
LINUX_THIRD_PARTY = [
    ("zoom", "Zoom Video Communications, Inc. <support@zoom.us>", 0.3),
    ("google-chrome-stable", "Chrome Linux Team <chromium-dev@chromium.org>", 0.3),
    ("code", "Microsoft Corporation <vscode-linux@microsoft.com>", 0.15),
    ("yandex-browser-stable", "Yandex Browser Team <browser@support.yandex.ru>", 0.6),
    ("r7-office", "R7-Office <support@r7-office.ru>", 0.3),
    ("kesl", "AO Kaspersky Lab <support@kaspersky.com>", 0.7),
    ("teams", "Microsoft Corporation <skypeteams@microsoft.com>", 0.05),
]
DISTRIBUTIONS = {
    "astra": {"name": "Astra Linux", "version": "1.7.5", "codename": "1.7_x86-64",
              "maintainer": "Astra Linux Maintainers <packages@astralinux.ru>"},
    "debian": {"name": "Debian GNU/Linux", "version": "12", "codename": "bookworm",
               "maintainer": "Debian QA Group <packages@qa.debian.org>"},
}
WINDOWS_EDITIONS = [("Windows 10 Pro", "22H2", "19045"), ("Windows 11 Pro", "23H2", "22631"),
                    ("Windows 10 Enterprise", "21H2", "19044")]


def _version(rng: random.Random, major: int) -> str:
    return f"{major}.{rng.randint(0, 9)}.{rng.randint(0, 40)}"


def _in_house(rng: random.Random, n: int) -> List[dict]:
    """The long tail: line-of-business tools, drivers and utilities nobody catalogues."""
    return [{"name": f"Contoso Line-of-Business Tool {k:04d}", "version": _version(rng, rng.randint(1, 5)),
             "source": "windows", "publisher": f"Contoso Department {k % 97}", "arch": "x64"}
            for k in rng.sample(range(3000), n)]


def windows_software(rng: random.Random, size: int = 150) -> List[dict]:
    items = [
        {"name": name, "version": _version(rng, rng.choice((16, 24, 120, 6))), "source": "windows",
         "publisher": publisher, "arch": "x64",
         "id": "{" + str(uuid.uuid5(uuid.NAMESPACE_DNS, name)).upper() + "}", "scope": "system"}
        for name, publisher, share in WINDOWS_COMMON if rng.random() < share
    ]
    return items + _in_house(rng, max(0, size - len(items)))


def linux_software(rng: random.Random, distro: str, size: int = 1500) -> List[dict]:
    maintainer = DISTRIBUTIONS[distro]["maintainer"]
    items = [{"name": name, "version": _version(rng, 2), "source": "deb", "publisher": who.split(" <")[0],
              "arch": "amd64", "id": name, "extra": {"maintainer": who}}
             for name, who, share in LINUX_THIRD_PARTY if rng.random() < share]
    packages = rng.sample(range(4000), max(0, size - len(items)))
    items += [{"name": f"lib{distro}-component{k:04d}", "version": f"{k % 7}.{k % 13}-{k % 3}", "source": "deb",
               "publisher": maintainer.split(" <")[0], "arch": "amd64", "id": f"lib{distro}-component{k:04d}",
               "extra": {"maintainer": maintainer}} for k in packages]
    return items


def host_report(index: int, seed: int = 0, collected_at: Optional[datetime] = None,
                windows_share: float = 0.7, windows_size: int = 150, linux_size: int = 1500) -> Dict:
    """The report of fleet host number `index` (deterministic for a seed and index)."""
    rng = random.Random(seed * 1_000_003 + index)
    host_id = uuid.uuid5(uuid.NAMESPACE_URL, f"footprint-fleet/{seed}/{index}").hex
    when = collected_at or datetime.now(timezone.utc) - timedelta(minutes=1)
    if rng.random() < windows_share:
        edition, display, build = rng.choice(WINDOWS_EDITIONS)
        os_ = {"family": "windows", "name": edition, "version": f"10.0.{build}", "product_name": edition,
               "display_version": display, "build": build, "ubr": rng.randint(1000, 4000), "arch": "x86_64"}
        software = windows_software(rng, windows_size)
        hostname = f"ws-{index:05d}"
    else:
        distro = rng.choice(("astra", "astra", "debian"))
        d = DISTRIBUTIONS[distro]
        os_ = {"family": "linux", "name": d["name"], "version": d["version"], "distro_id": distro,
               "codename": d["codename"], "kernel": "6.1.0-21-amd64", "arch": "x86_64"}
        software = linux_software(rng, distro, linux_size)
        hostname = f"lx-{index:05d}"
    report = {
        "schema": "footprint.report/1",
        "report_id": str(uuid.uuid4()),
        "collected_at": when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "agent": {"name": "footprint-agent", "version": "0.1.0"},
        "host": {"id": host_id, "id_source": "machine-id", "hostname": hostname, "os": os_},
        "hardware": {"cpu_model": "Intel(R) Core(TM) i5-8250U CPU @ 1.60GHz", "cpu_cores": 4,
                     "memory_bytes": 8 << 30, "disks": []},
        "network": {"interfaces": []},
        "software": software,
        "errors": [],
    }
    report["inventory_hash"] = inventory_hash(report)
    return report


# Phone apps: (package name, display name, share of phones that have it); iOS uses the App Store bundle ids.
ANDROID_APPS = [
    ("com.whatsapp", "WhatsApp", 0.6),
    ("org.telegram.messenger", "Telegram", 0.7),
    ("com.viber.voip", "Viber", 0.3),
    ("us.zoom.videomeetings", "Zoom", 0.3),
    ("com.microsoft.teams", "Teams", 0.2),
    ("ru.rostel", "Госуслуги", 0.8),
    ("ru.sberbankmobile", "СберБанк", 0.6),
    ("ru.yandex.searchplugin", "Яндекс", 0.5),
    ("com.vkontakte.android", "ВКонтакте", 0.4),
]
IOS_APPS = [
    ("net.whatsapp.WhatsApp", "WhatsApp", 0.6),
    ("ph.telegra.Telegraph", "Telegram", 0.7),
    ("com.viber", "Viber", 0.3),
    ("us.zoom.videomeetings", "Zoom", 0.3),
    ("com.microsoft.skype.teams", "Teams", 0.2),
    ("ru.gosuslugi.mobile", "Госуслуги", 0.8),
]
PHONES = [  # (manufacturer, model, OS family, OS name, version, kind)
    ("samsung", "SM-S918B", "android", "Android", "14", "phone"),
    ("Xiaomi", "23049PCD8G", "android", "Android", "14", "phone"),
    ("Apple", "iPhone14,5", "ios", "iOS", "17.6.1", "phone"),
    ("Apple", "iPad13,18", "ios", "iPadOS", "17.6.1", "tablet"),
]


def phone_report(index: int, seed: int = 0, collected_at: Optional[datetime] = None) -> Dict:
    """The report of fleet phone or tablet number `index`, as `footprint-agent collect --phone` sends it."""
    rng = random.Random(seed * 1_000_003 + 500_000 + index)
    vendor, model, family, name, version, kind = PHONES[index % len(PHONES)]
    serial = uuid.uuid5(uuid.NAMESPACE_URL, f"footprint-phones/{seed}/{index}").hex[:16].upper()
    when = collected_at or datetime.now(timezone.utc) - timedelta(minutes=1)
    apps = ANDROID_APPS if family == "android" else IOS_APPS
    software = [{"name": label, "source": family, "id": app, "version": _version(rng, 4), "app_type": "user",
                 "version_code": str(rng.randint(100, 99999))}
                for app, label, share in apps if rng.random() < share]
    os_ = {"family": family, "name": name, "version": version}
    report = {
        "schema": "footprint.report/1",
        "report_id": str(uuid.uuid4()),
        "collected_at": when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "agent": {"name": "footprint-agent", "version": "0.1.0"},
        "host": {"id": serial, "id_source": "android-serial" if family == "android" else "ios-udid",
                 "kind": kind, "hostname": f"{model}-{serial[:6]}", "os": os_},
        "hardware": {"vendor": vendor, "model": model, "serial": serial},
        "network": {"interfaces": []},
        "software": software,
        "errors": [],
    }
    report["inventory_hash"] = inventory_hash(report)
    return report

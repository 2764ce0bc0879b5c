"""Catalog test fixtures: small hand-written catalogs in temporary directories."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest


@pytest.fixture
def write_catalog(tmp_path: Path):
    """Write {file name: TOML text} into a fresh directory and return the directory."""
    counter = iter(range(1000))

    def write(files: dict[str, str]) -> Path:
        directory = tmp_path / f"catalog{next(counter)}"
        directory.mkdir()
        for name, text in files.items():
            (directory / name).write_text(textwrap.dedent(text), encoding="utf-8")
        return directory

    return write


# A small catalog shaped like the shipped one: real vendors, patterns written against normalized names.
SAMPLE_CATALOG = {
    "foreign.toml": r"""
        [[vendor]]
        id = "microsoft"
        name = "Microsoft"
        country = "US"
        aliases = ["Microsoft Corporation", "Microsoft Corp.", "Корпорация Майкрософт"]
        publisher_patterns = ['^microsoft\b']
        msix_publisher_ids = ["8wekyb3d8bbwe"]
        team_ids = ["UBF8T346G9"]
        source = "https://www.wikidata.org/wiki/Q2283"

        [[vendor]]
        id = "skype-technologies"
        name = "Skype Technologies"
        parent = "microsoft"
        aliases = ["Skype Technologies S.A."]
        source = "https://en.wikipedia.org/wiki/Skype_Technologies"

        [[vendor]]
        id = "zoom"
        name = "Zoom"
        country = "US"
        aliases = ["Zoom Video Communications, Inc.", "Zoom Communications, Inc."]
        team_ids = ["BJ4HAAB9B3"]
        source = "https://www.wikidata.org/wiki/Q8074265"

        [[vendor]]
        id = "google"
        name = "Google"
        country = "US"
        aliases = ["Google LLC", "Google Inc."]
        source = "https://www.wikidata.org/wiki/Q95"

        [[vendor]]
        id = "teamspeak"
        name = "TeamSpeak Systems"
        country = "DE"
        aliases = ["TeamSpeak Systems GmbH"]
        source = "https://en.wikipedia.org/wiki/TeamSpeak"

        [[vendor]]
        id = "sap"
        name = "SAP"
        country = "DE"
        aliases = ["SAP SE", "SAP AG"]
        source = "https://www.wikidata.org/wiki/Q552581"

        [[vendor]]
        id = "debian-project"
        name = "Debian"
        country = "US"
        distribution = "debian"
        distribution_maintainers = ['@lists\.debian\.org>$', '@debian\.org>$']
        source = "https://www.wikidata.org/wiki/Q7715973"

        [[product]]
        id = "microsoft-teams"
        vendor = "microsoft"
        name = "Microsoft Teams"
        category = "video-conferencing"
        license = "proprietary"
        alternatives = ["yandex-telemost"]
        [product.match]
        windows = ['microsoft teams( classic)?', 'teams machine-wide installer']
        msix = ["MSTeams"]
        bundle_id = ["com.microsoft.teams2", "com.microsoft.teams"]

        [[product]]
        id = "vscode"
        vendor = "microsoft"
        name = "Visual Studio Code"
        category = "developer-tools"
        license = "proprietary"
        alternatives = ["vscodium"]
        [product.match]
        deb = ["code"]
        rpm = ["code"]
        snap = ["code"]
        windows = ['microsoft visual studio code( \(user\))?']
        bundle_id = ["com.microsoft.VSCode"]

        [[product]]
        id = "windows"
        vendor = "microsoft"
        name = "Windows"
        category = "operating-system"
        license = "proprietary"
        alternatives = ["astra-linux"]
        [product.match]
        os = ['microsoft windows( server)? \d+( \w+)*']
        os_id = ["windows"]

        [[product]]
        id = "office"
        vendor = "microsoft"
        name = "Microsoft 365 / Office"
        category = "office-suite"
        license = "proprietary"
        [product.match]
        windows = ['microsoft (365 apps for (enterprise|business)|office( professional plus| standard)?( 20\d\d)?)',
                   'microsoft office профессиональный плюс( 20\d\d)?']
        msi_upgrade_code = ["{90160000-0011-0000-0000-0000000FF1CE}"]

        [[product]]
        id = "skype"
        vendor = "skype-technologies"
        name = "Skype"
        category = "messaging"
        license = "proprietary"
        [product.match]
        windows = ['skype( for desktop)?']

        [[product]]
        id = "zoom-workplace"
        vendor = "zoom"
        name = "Zoom Workplace"
        category = "video-conferencing"
        license = "proprietary"
        alternatives = ["yandex-telemost"]
        [product.match]
        deb = ["zoom"]
        windows = ['zoom( workplace)?']
        bundle_id = ["us.zoom.xos"]

        [[product]]
        id = "google-chrome"
        vendor = "google"
        name = "Google Chrome"
        category = "browser"
        license = "proprietary"
        alternatives = ["yandex-browser", "firefox"]
        [product.match]
        deb = ["google-chrome-stable"]
        windows = ['google chrome']
        bundle_id = ["com.google.Chrome.*"]

        [[product]]
        id = "teamspeak-client"
        vendor = "teamspeak"
        name = "TeamSpeak"
        category = "messaging"
        license = "proprietary"
        [product.match]
        windows = ['teamspeak( \d+)?( client)?']

        [[product]]
        id = "sap-gui"
        vendor = "sap"
        name = "SAP GUI"
        category = "erp-accounting"
        license = "proprietary"
        [product.match]
        windows = ['sap gui( for windows)?( \d+)?']

        [[product]]
        id = "debian"
        vendor = "debian-project"
        name = "Debian GNU/Linux"
        category = "operating-system"
        license = "open-source"
        [product.match]
        os_id = ["debian"]
    """,
    "domestic.toml": r"""
        [[vendor]]
        id = "yandex"
        name = "Yandex"
        country = "RU"
        aliases = ["ООО «ЯНДЕКС»", "Yandex LLC", "YANDEX LLC"]
        source = "https://www.wikidata.org/wiki/Q4420"

        [[vendor]]
        id = "rusbitech-astra"
        name = "Astra Group"
        country = "RU"
        aliases = ["ООО «РусБИТех-Астра»"]
        distribution = "astra-linux"
        distribution_maintainers = ['@astralinux\.ru>$']
        source = "https://astralinux.ru/about"

        [[vendor]]
        id = "mozilla"
        name = "Mozilla"
        country = "US"
        aliases = ["Mozilla", "Mozilla Corporation", "Mozilla Foundation"]
        source = "https://www.wikidata.org/wiki/Q184638"

        [[vendor]]
        id = "vscodium-community"
        name = "VSCodium community"
        country = "US"
        source = "https://github.com/VSCodium/vscodium"

        [[product]]
        id = "yandex-browser"
        vendor = "yandex"
        name = "Yandex Browser"
        category = "browser"
        license = "proprietary"
        register = "3722"
        register_source = "https://reestr.digital.gov.ru/reestr/301766/"
        [product.match]
        deb = ["yandex-browser-stable"]
        windows = ['yandex( browser)?', 'яндекс браузер']
        bundle_id = ["ru.yandex.desktop.yandex-browser"]

        [[product]]
        id = "yandex-telemost"
        vendor = "yandex"
        name = "Yandex Telemost"
        category = "video-conferencing"
        license = "proprietary"
        [product.match]
        windows = ['яндекс телемост', 'yandex telemost']

        [[product]]
        id = "astra-linux"
        vendor = "rusbitech-astra"
        name = "Astra Linux"
        category = "operating-system"
        license = "proprietary"
        [product.match]
        os = ['astra linux( (common|special) edition)?( \S+)*']
        os_id = ["astra"]

        [[product]]
        id = "firefox"
        vendor = "mozilla"
        name = "Mozilla Firefox"
        category = "browser"
        license = "open-source"
        [product.match]
        windows = ['mozilla firefox( esr)?']
        deb = ["firefox", "firefox-esr"]

        [[product]]
        id = "vscodium"
        vendor = "vscodium-community"
        name = "VSCodium"
        category = "developer-tools"
        license = "open-source"
        [product.match]
        deb = ["codium"]
        windows = ['vscodium( \(user\))?']
    """,
}


@pytest.fixture
def sample_catalog_files() -> dict[str, str]:
    return dict(SAMPLE_CATALOG)


@pytest.fixture
def sample_catalog_dir(write_catalog) -> Path:
    """A directory holding SAMPLE_CATALOG's files."""
    return write_catalog(SAMPLE_CATALOG)


@pytest.fixture
def sample_catalog(sample_catalog_dir):
    from server.catalog.loader import load_catalog

    catalog = load_catalog(shipped_dir=sample_catalog_dir)
    assert [str(p) for p in catalog.problems] == []
    return catalog

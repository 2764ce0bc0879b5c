"""Matching precedence, look-alikes, operating systems, distribution packages and the home-country policy."""

from __future__ import annotations

import pytest

from server.catalog.loader import load_catalog
from server.catalog.policy import Classifier, home_countries


@pytest.fixture
def classifier(sample_catalog):
    return Classifier(sample_catalog, ("RU",))


def test_exact_id_beats_name_and_publisher(classifier):
    result = classifier.classify({"name": "code", "source": "deb",
                                  "publisher": "Microsoft Corporation <vscode-linux@microsoft.com>"})
    assert (result.product, result.rule, result.level) == ("vscode", "deb:name=code", "exact")
    msix = classifier.classify({"name": "Microsoft Teams", "source": "msix", "id": "MSTeams_8wekyb3d8bbwe"})
    assert (msix.product, msix.rule) == ("microsoft-teams", "msix:name=MSTeams")
    msi = classifier.classify({"name": "Something renamed", "source": "windows",
                               "extra": {"upgrade_code": "{90160000-0011-0000-0000-0000000ff1ce}"}})
    assert (msi.product, msi.rule) == ("office", "windows:upgrade_code={90160000-0011-0000-0000-0000000FF1CE}")
    bundle = classifier.classify({"name": "Google Chrome", "source": "macos-app", "id": "com.google.Chrome.canary"})
    assert (bundle.product, bundle.rule) == ("google-chrome", "macos-app:bundle_id=com.google.chrome.*")


def test_name_pattern_beats_publisher_only(classifier):
    result = classifier.classify({"name": "Zoom Workplace (64-bit)", "source": "windows",
                                  "publisher": "Zoom Video Communications, Inc."})
    assert (result.product, result.level) == ("zoom-workplace", "pattern")
    assert result.rule == "windows:name~zoom( workplace)?"
    only_vendor = classifier.classify({"name": "Zoom Outlook Plugin", "source": "windows",
                                       "publisher": "Zoom Video Communications, Inc."})
    assert (only_vendor.vendor, only_vendor.product, only_vendor.level) == ("zoom", "", "publisher")
    assert only_vendor.rule == "publisher:alias=zoom video communications"
    assert (only_vendor.status, only_vendor.license, only_vendor.group) == ("foreign", "", "foreign-proprietary")


def test_localized_publisher_and_decorated_names(classifier):
    result = classifier.classify({"name": "Microsoft 365 Apps for enterprise - ru-ru", "source": "windows",
                                  "publisher": "Microsoft Corporation"})
    assert result.product == "office"
    russian = classifier.classify({"name": "Microsoft Office профессиональный плюс 2016", "source": "windows",
                                   "publisher": "Корпорация Майкрософт"})
    assert (russian.product, russian.country, russian.status) == ("office", "US", "foreign")
    vendor_only = classifier.classify({"name": "Средство проверки совместимости", "publisher": "Корпорация Майкрософт"})
    assert vendor_only.rule == "publisher:alias=корпорация майкрософт"


def test_unknown_is_never_a_guess(classifier):
    result = classifier.classify({"name": "Totally Unknown Tool 1.2", "source": "windows", "publisher": "Nobody"})
    assert (result.vendor, result.country, result.status, result.group, result.rule) == ("", "", "unknown",
                                                                                          "unknown", "")


@pytest.mark.parametrize(
    "item, not_product",
    [
        ({"name": "TeamSpeak 3 Client", "source": "windows", "publisher": "TeamSpeak Systems GmbH"}, "microsoft-teams"),
        ({"name": "TeamSpeak 3 Client", "source": "windows"}, "microsoft-teams"),
        ({"name": "Code::Blocks", "source": "windows", "publisher": "The Code::Blocks Team"}, "vscode"),
        ({"name": "codeblocks", "source": "deb", "publisher": "Debian Science Team <x@lists.debian.org>"}, "vscode"),
        ({"name": "gnome-shell-extension-zoom", "source": "deb"}, "zoom-workplace"),
        ({"name": "zoomit", "source": "deb"}, "zoom-workplace"),
        ({"name": "Zoom Player MAX", "source": "windows", "publisher": "Inmatrix LTD"}, "zoom-workplace"),
        ({"name": "Yandex", "source": "windows", "publisher": "ООО «ЯНДЕКС»"}, "google-chrome"),
        ({"name": "yandex-browser-stable", "source": "deb"}, "google-chrome"),
        ({"name": "Yandex", "source": "macos-app", "id": "ru.yandex.desktop.yandex-browser"}, "google-chrome"),
        ({"name": "Microsoft Teams", "source": "windows", "publisher": "TeamSpeak Systems GmbH"}, "microsoft-teams"),
    ],
)
def test_look_alikes_do_not_match(classifier, item, not_product):
    assert classifier.classify(item).product != not_product


def test_yandex_builds_are_yandex_browser(classifier):
    for item in ({"name": "Yandex", "source": "windows", "publisher": "ООО «ЯНДЕКС»"},
                 {"name": "yandex-browser-stable", "source": "deb"},
                 {"name": "Yandex", "source": "macos-app", "id": "ru.yandex.desktop.yandex-browser"}):
        result = classifier.classify(item)
        assert (result.product, result.country, result.status, result.register) == ("yandex-browser", "RU",
                                                                                      "domestic", "3722")


def test_publisher_disagreeing_with_name_wins(classifier):
    """A title that looks like Teams but is published by another known vendor is that vendor's, product unknown."""
    item = {"name": "Microsoft Teams", "source": "windows", "publisher": "TeamSpeak Systems GmbH"}
    result = classifier.classify(item)
    assert (result.vendor, result.product, result.level) == ("teamspeak", "", "publisher")
    assert result.rule == "publisher:alias=teamspeak systems (name matched microsoft-teams; publisher disagrees)"


def test_parent_company_decides_country(classifier):
    result = classifier.classify({"name": "Skype™ 8.98", "source": "windows", "publisher": "Skype Technologies S.A."})
    assert (result.product, result.vendor, result.country) == ("skype", "skype-technologies", "US")


def test_operating_systems(classifier):
    windows = classifier.classify({"name": "Microsoft Windows 11 Pro", "source": "os", "id": "windows"})
    assert (windows.product, windows.country, windows.status) == ("windows", "US", "foreign")
    by_name = classifier.classify({"name": "Microsoft Windows Server 2019 Standard", "source": "os"})
    assert (by_name.product, by_name.rule) == ("windows", r"os:name~microsoft windows( server)? \d+( \w+)*")
    astra = classifier.classify({"name": "Astra Linux", "source": "os", "id": "astra"})
    assert (astra.product, astra.country, astra.status, astra.rule) == ("astra-linux", "RU", "domestic",
                                                                        "os:id=astra")


def test_distribution_packages_are_os_components(classifier):
    libc = {"name": "libc6", "source": "deb", "publisher": "GNU Libc Maintainers <debian-glibc@lists.debian.org>"}
    result = classifier.classify(libc)
    assert (result.product, result.os_component, result.level) == ("debian", True, "distribution")
    assert result.rule == r"deb:maintainer~@lists\.debian\.org>$"
    on_astra = classifier.classify({**libc, "os_id": "astra"})
    assert (on_astra.product, on_astra.country, on_astra.os_component) == ("astra-linux", "RU", True)
    from_agent = classifier.classify({"name": "libc6", "source": "deb", "publisher": "GNU Libc Maintainers",
                                      "extra": {"maintainer": "GNU Libc Maintainers <debian-glibc@lists.debian.org>"}})
    assert (from_agent.product, from_agent.os_component) == ("debian", True)
    fly = classifier.classify({"name": "fly-wm", "source": "deb", "publisher": "Astra Team <dev@astralinux.ru>"})
    assert (fly.product, fly.status, fly.os_component) == ("astra-linux", "domestic", True)


def test_third_party_packages_stay_themselves(classifier):
    zoom = classifier.classify({"name": "zoom", "source": "deb", "publisher": "Zoom Communications, Inc."})
    chrome = classifier.classify({"name": "google-chrome-stable", "source": "deb",
                                  "publisher": "Chrome Linux Team <chromium-dev@chromium.org>"})
    mozilla_team = "Maintainers of Mozilla-related packages <team+pkg-mozilla@tracker.debian.org>"
    firefox_esr = classifier.classify({"name": "firefox-esr", "source": "deb", "publisher": mozilla_team})
    assert (zoom.product, zoom.os_component) == ("zoom-workplace", False)
    assert (chrome.product, chrome.os_component) == ("google-chrome", False)
    assert (firefox_esr.product, firefox_esr.group) == ("firefox", "foreign-open-source")
    unknown = classifier.classify({"name": "libfoo1", "source": "deb", "publisher": "Someone <someone@example.org>"})
    assert (unknown.status, unknown.os_component) == ("unknown", False)


def test_home_country_switch(sample_catalog):
    russia, germany = Classifier(sample_catalog, ("RU",)), Classifier(sample_catalog, home_countries("de, at"))
    teams = {"name": "Microsoft Teams", "source": "windows", "publisher": "Microsoft Corporation"}
    sap = {"name": "SAP GUI for Windows 8.00", "source": "windows", "publisher": "SAP SE"}
    yandex = {"name": "Yandex", "source": "windows", "publisher": "ООО «ЯНДЕКС»"}
    assert [russia.classify(i).status for i in (teams, sap, yandex)] == ["foreign", "foreign", "domestic"]
    assert [germany.classify(i).status for i in (teams, sap, yandex)] == ["foreign", "domestic", "foreign"]
    assert [a.status for a in germany.classify(teams).alternatives] == ["foreign"]
    assert germany.classify(yandex).register == "3722"  # register membership stays a separate fact


def test_home_countries_from_environment(monkeypatch):
    monkeypatch.setenv("FOOTPRINT_HOME_COUNTRIES", "de,AT")
    assert home_countries() == ("DE", "AT")
    monkeypatch.delenv("FOOTPRINT_HOME_COUNTRIES")
    assert home_countries() == ("RU",)
    with pytest.raises(ValueError, match="'UK' is not an ISO 3166-1 alpha-2 code"):
        home_countries("DE,UK")


def test_alternatives_carry_country_and_register(classifier):
    chrome = classifier.classify({"name": "Google Chrome", "source": "windows", "publisher": "Google LLC"})
    alternatives = {a.id: a for a in chrome.alternatives}
    assert (alternatives["yandex-browser"].country, alternatives["yandex-browser"].register) == ("RU", "3722")
    assert (alternatives["firefox"].country, alternatives["firefox"].license) == ("US", "open-source")


def test_batch_is_deterministic_and_in_order(classifier, sample_catalog):
    items = [{"name": "Google Chrome", "source": "windows"}, {"name": "code", "source": "deb"},
             {"name": "Google Chrome", "source": "windows"}, {"name": "nothing", "source": "deb"}]
    results = classifier.classify_many(items)
    assert [r.product for r in results] == ["google-chrome", "vscode", "google-chrome", ""]
    fresh = Classifier(sample_catalog, ("RU",)).classify_many(reversed(items))
    assert [r.as_dict() for r in fresh] == [r.as_dict() for r in reversed(results)]


def test_local_override_changes_the_answer(sample_catalog_dir, write_catalog):
    local = write_catalog({"ours.toml": """
        [[vendor]]
        id = "inhouse"
        name = "Our IT department"
        country = "RU"
        aliases = ["Acme IT"]
        source = "https://intranet.example/it"
        [[product]]
        id = "payroll"
        vendor = "inhouse"
        name = "Payroll"
        category = "erp-accounting"
        license = "proprietary"
        [product.match]
        windows = ['acme payroll']
        [[vendor]]
        id = "teamspeak"
        name = "TeamSpeak Systems"
        country = "RU"
        aliases = ["TeamSpeak Systems GmbH"]
        source = "https://intranet.example/policy/teamspeak"
    """})
    catalog = load_catalog([local], shipped_dir=sample_catalog_dir)
    assert catalog.problems == []
    classifier = Classifier(catalog, ("RU",))
    payroll = classifier.classify({"name": "Acme Payroll 3.1", "source": "windows", "publisher": "Acme IT"})
    assert (payroll.product, payroll.status) == ("payroll", "domestic")
    teamspeak = classifier.classify({"name": "TeamSpeak 3 Client", "source": "windows"})
    assert teamspeak.status == "domestic"
    assert catalog.vendors["teamspeak"].file.endswith("ours.toml")
    assert classifier.classify({"name": "Google Chrome", "source": "windows"}).product == "google-chrome"


def test_fingerprint_follows_catalog_contents_and_policy(sample_catalog_files, write_catalog):
    first = load_catalog(shipped_dir=write_catalog(sample_catalog_files))
    same = load_catalog(shipped_dir=write_catalog(sample_catalog_files))
    changed_files = {**sample_catalog_files, "foreign.toml": sample_catalog_files["foreign.toml"].replace(
        'country = "DE"\n        aliases = ["SAP SE"', 'country = "FR"\n        aliases = ["SAP SE"')}
    changed = load_catalog(shipped_dir=write_catalog(changed_files))
    assert changed.problems == [] and changed.country_of("sap") == "FR"
    assert first.fingerprint == same.fingerprint != changed.fingerprint
    assert Classifier(first, ("RU",)).fingerprint != Classifier(first, ("DE",)).fingerprint


def test_most_specific_pattern_wins(write_catalog, sample_catalog_files):
    family = sample_catalog_files["foreign.toml"] + r"""
        [[product]]
        id = "microsoft-other"
        vendor = "microsoft"
        name = "Other Microsoft software"
        category = "other"
        license = "proprietary"
        [product.match]
        windows = ['microsoft .+']
    """
    catalog = load_catalog(shipped_dir=write_catalog({**sample_catalog_files, "foreign.toml": family}))
    classifier = Classifier(catalog, ("RU",))
    assert classifier.classify({"name": "Microsoft Teams classic", "source": "windows"}).product == "microsoft-teams"
    assert classifier.classify({"name": "Microsoft Whiteboard", "source": "windows"}).product == "microsoft-other"


def test_macos_patterns_match_mac_apps_only():
    """Apple's short app names ("Notes", "Aperçu") identify macOS apps, and nothing on Windows or Linux."""
    classifier = Classifier(load_catalog(), ("RU",))
    for name in ("Notes", "Aperçu", "Préférences Système"):
        mac = classifier.classify({"name": name, "source": "macos-app"})
        assert (mac.product, mac.country, mac.rule.split("~")[0]) == ("apple-macos-apps", "US", "macos:name"), name
    assert classifier.classify({"name": "Notes", "source": "windows"}).product == ""
    assert classifier.classify({"name": "notes", "source": "deb"}).product == ""

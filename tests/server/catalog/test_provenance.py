"""Archives, signing keys and repositories as evidence; inferred distribution packages; foreign without a country."""

from __future__ import annotations

import gzip

import pytest

from server.catalog.loader import load_catalog
from server.catalog.policy import Classifier

ARCHIVES = r"""
    [[vendor]]
    id = "debian-project"
    name = "Debian"
    country = "US"
    distribution = "debian"
    distribution_maintainers = ['@lists\.debian\.org>$']
    archive_origins = ["Debian"]
    archive_sites = ["debian.org"]
    package_names = ["debian-test"]
    provenance_source = "https://deb.debian.org/debian/dists/bookworm/InRelease"
    source = "https://www.wikidata.org/wiki/Q7715973"

    [[vendor]]
    id = "fedora-project"
    name = "Fedora Project"
    country = "US"
    aliases = ["Fedora Project"]
    distribution = "fedora"
    distribution_maintainers = ['^fedora project$']
    signing_keys = ["c8ac4916105ef944"]
    repositories = ['fedora', 'updates']
    provenance_source = "https://fedoraproject.org/security/"
    source = "https://docs.fedoraproject.org/en-US/project/"

    [[vendor]]
    id = "google"
    name = "Google"
    country = "US"
    aliases = ["Google LLC"]
    archive_origins = ["Google LLC"]
    archive_sites = ["dl.google.com"]
    signing_keys = ["7721f63bd38b4796"]
    provenance_source = "https://www.google.com/linuxrepositories/"
    source = "https://www.wikidata.org/wiki/Q95"

    [[vendor]]
    id = "rpm-fusion"
    name = "RPM Fusion"
    aliases = ["RPM Fusion"]
    not_from = ["RU"]
    repositories = ['rpmfusion-(free|nonfree)(-.+)?']
    provenance_source = "https://rpmfusion.org/Configuration"
    source = "https://rpmfusion.org/FAQ"
    note = "volunteer project, no legal entity; certainly not Russian"

    [[vendor]]
    id = "mozilla"
    name = "Mozilla"
    country = "US"
    license = "open-source"
    aliases = ["Mozilla Foundation"]
    source = "https://www.wikidata.org/wiki/Q184638"

    [[product]]
    id = "debian"
    vendor = "debian-project"
    name = "Debian GNU/Linux"
    category = "operating-system"
    license = "open-source"
    [product.match]
    os_id = ["debian"]

    [[product]]
    id = "fedora"
    vendor = "fedora-project"
    name = "Fedora Linux"
    category = "operating-system"
    license = "open-source"
    [product.match]
    os_id = ["fedora"]

    [[product]]
    id = "google-chrome"
    vendor = "google"
    name = "Google Chrome"
    category = "browser"
    license = "proprietary"
    [product.match]
    deb = ["google-chrome-stable"]
    windows = ['google chrome']

    [[product]]
    id = "firefox"
    vendor = "mozilla"
    name = "Mozilla Firefox"
    category = "browser"
    license = "open-source"
    [product.match]
    deb = ["firefox-esr"]
"""


@pytest.fixture
def classifier(write_catalog):
    directory = write_catalog({"archives.toml": ARCHIVES})
    (directory / "packages").mkdir()
    names = "# test list\ngit\nmosquitto\nfirefox-esr\nnodejs\n"
    (directory / "packages" / "debian-test.txt.gz").write_bytes(gzip.compress(names.encode()))
    catalog = load_catalog(shipped_dir=directory)
    assert [str(p) for p in catalog.problems] == []
    return Classifier(catalog, ("RU",))


def test_the_distribution_archive_makes_an_os_component_even_for_a_named_product(classifier):
    item = {"name": "firefox-esr", "source": "deb", "publisher": "Maintainers of Mozilla-related packages",
            "provenance": {"origin": "Debian", "site": "deb.debian.org", "suite": "bookworm"}}
    result = classifier.classify(item)
    assert (result.product, result.os_component, result.level, result.rule) == (
        "debian", True, "archive", "deb:origin=Debian")
    by_site = classifier.classify({"name": "git", "source": "deb", "publisher": "Jonathan Nieder",
                                   "provenance": {"site": "security.debian.org"}})
    assert (by_site.product, by_site.rule) == ("debian", "deb:site=security.debian.org")


def test_a_fedora_signing_key_or_repository_is_fedora_not_rhel(classifier):
    signed = classifier.classify({"name": "expat", "source": "rpm", "provenance": {"signing_key": "c8ac4916105ef944"}})
    assert (signed.product, signed.os_component, signed.rule) == ("fedora", True, "rpm:signing_key=c8ac4916105ef944")
    from_repo = classifier.classify({"name": "expat", "source": "rpm", "provenance": {"repository": "updates"}})
    assert (from_repo.product, from_repo.rule) == ("fedora", "rpm:repository~updates")


def test_a_third_party_archive_names_its_vendor_and_the_exact_name_its_product(classifier):
    chrome = classifier.classify({"name": "google-chrome-stable", "source": "deb",
                                  "provenance": {"origin": "Google LLC", "site": "dl.google.com"}})
    assert (chrome.product, chrome.os_component, chrome.level) == ("google-chrome", False, "exact")
    other = classifier.classify({"name": "google-earth-pro-stable", "source": "deb",
                                 "provenance": {"origin": "Google LLC"}})
    assert (other.vendor, other.product, other.level, other.rule) == ("google", "", "archive", "deb:origin=Google LLC")
    signed = classifier.classify({"name": "google-earth-pro-stable", "source": "rpm",
                                  "provenance": {"signing_key": "7721F63BD38B4796"}})
    assert (signed.vendor, signed.rule) == ("google", "rpm:signing_key=7721f63bd38b4796")


def test_local_origin_is_no_evidence_and_a_shipped_name_is_an_inference_said_so(classifier):
    local = {"name": "mosquitto", "source": "deb", "publisher": "Roger A. Light",
             "provenance": {"origin": "local"}, "os_id": "debian"}
    result = classifier.classify(local)
    assert (result.product, result.os_component, result.level) == ("debian", True, "inferred")
    assert "inferred" in result.rule and "name-in=debian-test" in result.rule
    imported = classifier.classify({"name": "git", "source": "deb", "os_id": "debian"})
    assert (imported.product, imported.level) == ("debian", "inferred")
    # the inference needs the host's distribution and a name its archive ships
    assert classifier.classify({"name": "git", "source": "deb"}).status == "unknown"
    assert classifier.classify({"name": "git", "source": "deb", "os_id": "fedora"}).status == "unknown"
    assert classifier.classify({"name": "acme-agent", "source": "deb", "os_id": "debian"}).status == "unknown"


def test_a_version_in_no_archive_takes_the_lineage_of_the_archive_carrying_its_name(classifier):
    older = classifier.classify({"name": "libfoo9", "source": "deb", "publisher": "Someone",
                                 "provenance": {"origin": "local", "name_origin": "Debian"}})
    assert (older.product, older.os_component, older.level) == ("debian", True, "inferred")
    assert older.rule == "deb:name_origin=Debian (this version in no configured archive)"
    chrome = classifier.classify({"name": "google-earth-pro-stable", "source": "deb",
                                  "provenance": {"origin": "local", "name_origin": "Google LLC"}})
    assert (chrome.vendor, chrome.os_component) == ("google", False)
    named = classifier.classify({"name": "google-chrome-stable", "source": "deb",
                                 "provenance": {"origin": "local", "name_origin": "Debian"}})
    assert named.product == "google-chrome"  # an exact name still wins over a lineage hint


def test_foreign_with_no_country_counts_as_foreign_only_where_research_rules_home_out(write_catalog, classifier):
    item = {"name": "ffmpeg-libs", "source": "rpm", "publisher": "RPM Fusion"}
    result = classifier.classify(item)
    assert (result.vendor, result.country, result.status, result.group) == ("rpm-fusion", "", "foreign",
                                                                            "foreign-proprietary")
    by_repo = classifier.classify({"name": "kodi", "source": "rpm",
                                   "provenance": {"repository": "rpmfusion-free-updates"}})
    assert (by_repo.vendor, by_repo.status) == ("rpm-fusion", "foreign")
    germany = Classifier(classifier.catalog, ("DE",))
    assert germany.classify(item).status == "unknown"


def test_a_vendor_publishing_only_open_source_gives_its_licence_to_a_vendor_only_match(classifier):
    result = classifier.classify({"name": "Mozilla Maintenance Service", "source": "windows",
                                  "publisher": "Mozilla Foundation"})
    assert (result.product, result.license, result.group) == ("", "open-source", "foreign-open-source")
    chrome_vendor = classifier.classify({"name": "Google Update Helper", "source": "windows",
                                         "publisher": "Google LLC"})
    assert (chrome_vendor.license, chrome_vendor.group) == ("", "foreign-proprietary")


def test_display_name_patterns_apply_to_macos_apps_without_a_bundle_id(classifier):
    result = classifier.classify({"name": "Google Chrome", "source": "macos-app"})
    assert (result.product, result.rule) == ("google-chrome", "windows:name~google chrome")


@pytest.mark.parametrize("publisher", ["Mozilla Foundation.", "ï¿½Mozilla Foundation", "\ufffdMozilla Foundation;"])
def test_trailing_punctuation_and_mojibake_do_not_defeat_an_alias(classifier, publisher):
    assert classifier.classify({"name": "x", "source": "windows", "publisher": publisher}).vendor == "mozilla"


@pytest.mark.parametrize(
    "entry, expected",
    [
        ('signing_keys = ["7721F63BD38B4796"]\nprovenance_source = "https://example.org/k"',
         "is not a key id of 16 lowercase hex digits"),
        ('archive_sites = ["https://dl.example.org/"]\nprovenance_source = "https://example.org/k"',
         "is not a lowercase host name"),
        ('archive_origins = ["local"]\nprovenance_source = "https://example.org/k"', "cannot identify an archive"),
        ('repositories = [\'.*\']\nprovenance_source = "https://example.org/k"', "too broad"),
        ('archive_sites = ["dl.example.org"]', "need 'provenance_source'"),
        ('not_from = ["XX"]', "not_from 'XX' is not an ISO 3166-1 alpha-2 code"),
        ('license = "freeware"', "license 'freeware' must be one of"),
        ('package_names = ["missing-list"]', "'package_names' needs 'distribution'"),
    ],
)
def test_provenance_keys_are_validated(write_catalog, entry, expected):
    text = f"""
        [[vendor]]
        id = "acme"
        name = "Acme"
        country = "US"
        source = "https://example.org/acme"
        {entry}
    """
    catalog = load_catalog(shipped_dir=write_catalog({"acme.toml": text.replace("\n        ", "\n")}))
    assert any(expected in str(p) and "vendor 'acme'" in str(p) for p in catalog.problems), catalog.problems


def test_a_missing_package_list_and_a_claimed_key_are_problems(write_catalog):
    catalog = load_catalog(shipped_dir=write_catalog({"a.toml": ARCHIVES.replace(
        'id = "rpm-fusion"', 'id = "rpm-fusion"\nsigning_keys = ["7721f63bd38b4796"]')}))
    messages = [str(p) for p in catalog.problems]
    assert any("package list 'debian-test' not found" in m for m in messages)
    assert any("signing key '7721f63bd38b4796' is also claimed by vendor 'google'" in m for m in messages)

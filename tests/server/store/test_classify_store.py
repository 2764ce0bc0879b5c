"""Classification through the store with the shipped catalog: provenance and the host's distribution are kept
with each package title and decide it; a Fedora GLPI export and this machine meet the issue's unknown bars."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from server import totals
from server.importers.batch import import_files
from server.store.ingest import ingest_report, parse_report
from server.store.tables import classes, host_software, software_titles, title_classes
from tests.support.migrations import down_and_up

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


def _classes_by_name(engine, host_id: str) -> dict:
    t, c = software_titles.c, classes.c
    query = (select(t.name, t.os_id, t.provenance, c.product, c.vendor, c.status, c.os_component,
                    title_classes.c.rule)
             .join(host_software, host_software.c.title_id == t.id)
             .join(title_classes, title_classes.c.title_id == t.id)
             .join(classes, classes.c.id == title_classes.c.class_id)
             .where(host_software.c.host_id == host_id))
    with engine.connect() as conn:
        return {r.name: r for r in conn.execute(query)}


def _non_os_unknown_share(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        result = totals.summary(conn, totals.HostFilter(now=NOW + timedelta(days=1)))
    by_status = {r["status"]: r["installs"] for r in result["installs_by_status"]}
    return by_status["unknown"], result["installs"]


def test_provenance_and_host_distribution_are_stored_and_decide(engine, enroll, make_report):
    host = enroll()
    software = [
        {"name": "git", "version": "1:2.39.5-0+deb12u2", "source": "deb", "publisher": "Jonathan Nieder",
         "extra": {"maintainer": "Jonathan Nieder <jrnieder@gmail.com>"},
         "provenance": {"origin": "Debian", "label": "Debian-Security", "suite": "oldstable-security",
                        "site": "deb.debian.org", "component": "main"}},
        {"name": "firefox-esr", "version": "128.14.0esr-1~deb12u1", "source": "deb",
         "publisher": "Maintainers of Mozilla-related packages",
         "provenance": {"origin": "Debian", "site": "deb.debian.org"}},
        {"name": "google-chrome-stable", "version": "142.0.7444.175-1", "source": "deb",
         "publisher": "Chrome Linux Team", "provenance": {"origin": "Google LLC", "site": "dl.google.com"}},
        {"name": "mosquitto", "version": "2.0.11-1.2+deb12u1", "source": "deb", "publisher": "Roger A. Light",
         "extra": {"maintainer": "Roger A. Light <roger@atchoo.org>"}},
        {"name": "acme-agent", "version": "3.1", "source": "deb", "publisher": "Acme Ops",
         "provenance": {"origin": "local"}},
    ]
    report = make_report(host, software=software, collected_at=NOW)
    ingest_report(engine, parse_report(json.dumps(report).encode()), host.host_id, now=NOW)
    found = _classes_by_name(engine, host.host_id)
    assert json.loads(found["git"].provenance)["label"] == "Debian-Security"
    assert {found[n].os_id for n in found} == {"debian"}
    assert (found["git"].product, found["git"].os_component, found["git"].rule) == ("debian", True, "deb:origin=Debian")
    assert (found["firefox-esr"].product, found["firefox-esr"].os_component) == ("debian", True)
    assert (found["google-chrome-stable"].product, found["google-chrome-stable"].os_component) == ("google-chrome",
                                                                                                    False)
    mosquitto = found["mosquitto"]
    assert (mosquitto.product, mosquitto.os_component) == ("debian", True) and "inferred" in mosquitto.rule
    assert (found["acme-agent"].status, found["acme-agent"].os_component) == ("unknown", False)


def test_upgrading_gives_stored_packages_their_host_distribution(engine, enroll, make_report):
    """Titles stored before migration 0004 get the distribution of a host that has them, for the next reclassify."""
    host = enroll()
    software = [{"name": "mosquitto", "version": "2.0.11-1.2", "source": "deb", "publisher": "Roger A. Light"},
                {"name": "Zoom Workplace", "version": "6.2", "source": "windows"}]
    report = make_report(host, software=software, collected_at=NOW)
    ingest_report(engine, parse_report(json.dumps(report).encode()), host.host_id, now=NOW)
    down_and_up(engine, "0003")
    with engine.connect() as conn:
        stored = dict(conn.execute(select(software_titles.c.name, software_titles.c.os_id)).all())
    assert stored["mosquitto"] == "debian" and stored["Zoom Workplace"] is None


def _fedora_glpi_export() -> dict:
    """An export shaped like a real GLPI agent inventory of a Fedora 25 workstation (inventory_format examples):
    rpm Vendor in `publisher`, distribution packages, Remi's PHP stack, RPM Fusion codecs, Teclib's GLPI plugins,
    a Copr build, a person's rebuild and the rpm keyring's gpg-pubkey entries."""
    def rpm(name, version, publisher, comments=""):
        item = {"arch": "x86_64", "from": "rpm", "name": name, "version": version, "install_date": "2017-02-10"}
        return {**item, "publisher": publisher, "comments": comments} if publisher else {**item, "comments": comments}

    fedora = ["bash", "glibc", "coreutils", "systemd", "gnome-shell", "firefox", "chromium", "expat", "gitg",
              "xerces-j2", "python3", "perl", "openssh-server", "NetworkManager", "dnf", "rpm", "kernel",
              "mariadb-server", "httpd", "vim-enhanced", "libreoffice-core", "thunderbird", "gimp", "inkscape"]
    remi = ["php", "php-fpm", "php-cli", "php-common", "php-json", "php-mysqlnd", "php-imap", "php-soap",
            "php-xml", "php-mbstring", "php-gd", "php-intl", "php-ldap", "php-opcache", "php-pdo",
            "php-pecl-zip", "php-pecl-apcu", "php-process", "composer", "remi-release", "php70-php-cli",
            "php71-php-fpm", "php-symfony-console", "php-phpunit-PHPUnit"]
    fusion = ["ffmpeg-libs", "x264-libs", "x265-libs", "kodi", "gstreamer1-libav", "rpmfusion-free-release"]
    teclib = ["glpi-fields", "glpi-fusioninventory", "glpi-genericobject", "teclib-release"]
    software = ([rpm(n, "1.0-1.fc25", "Fedora Project") for n in fedora]
                + [rpm(n, "7.0.16-1.fc25.remi", "Remi Collet") for n in remi]
                + [rpm(n, "3.1.7-1.fc25", "RPM Fusion") for n in fusion]
                + [rpm(n, "1.4.5-1.fc25.teclib", "Teclib") for n in teclib]
                + [rpm("atom", "1.6.2-2.fc24", "Fedora Project COPR (someone/atom)"),
                   rpm("fusioninventory-agent", "2.3.19-2.fc25.trashy", "Jan Kowalski"),
                   rpm("gpg-pubkey", "fdb19c98-56fd6333", None, "gpg(Fedora 25 Primary (25))")])
    return {
        "action": "inventory", "deviceid": "ws-fedora-07-2017-02-20-08-15-00", "itemtype": "Computer",
        "content": {
            "accesslog": {"logdate": "2017-02-20 08:15:00"},
            "bios": {"smanufacturer": "LENOVO", "smodel": "20BX", "ssn": "PC0ABCDE"},
            "hardware": {"memory": 7824, "name": "ws-fedora-07", "uuid": "4c4c4544-0042-3010-8052-b4c04f4d4e32"},
            "operatingsystem": {"arch": "x86_64", "boot_time": "2017-02-20 08:11:53",
                                "fqdn": "ws-fedora-07.corp.example", "full_name": "Fedora release 25 (Twenty Five)",
                                "kernel_name": "linux", "kernel_version": "4.9.9-200.fc25.x86_64",
                                "name": "Fedora", "timezone": {"name": "CET", "offset": "+0100"}, "version": "25"},
            "softwares": software,
            "versionclient": "GLPI-Agent_v1.4",
        },
    }


def test_a_fedora_glpi_export_is_fedora_and_its_third_party_packages_are_known(engine, tmp_path):
    path = tmp_path / "ws-fedora-07.json"
    path.write_text(json.dumps(_fedora_glpi_export()), encoding="utf-8")
    summary = import_files(engine, [path], {})
    host_id = summary.added[0]
    found = _classes_by_name(engine, host_id)
    fedora = [r for r in found.values() if r.os_component]
    assert len(fedora) == 24 and {r.product for r in fedora} == {"fedora"}
    assert {found[n].vendor for n in ("php", "composer")} == {"remi-collet"}
    assert (found["kodi"].vendor, found["kodi"].status) == ("rpm-fusion", "foreign")
    assert found["glpi-fields"].vendor == "teclib"
    unknown, installs = _non_os_unknown_share(engine)
    assert installs == len(found) - len(fedora) + 1  # the OS itself is one install
    assert unknown / installs <= 0.10, (unknown, installs)
    with engine.connect() as conn:
        by_country = {r["country"]: r["installs"] for r in totals.summary(conn, totals.HostFilter(
            now=NOW + timedelta(days=1)))["by_country"]}
    assert by_country[totals.UNRESOLVED_FOREIGN] == 6 and by_country["(unknown)"] == unknown  # RPM Fusion's six
    assert by_country["FR"] == 24 + 4  # Remi Collet's and Teclib's packages


@pytest.mark.skipif(not shutil.which("dpkg-query"), reason="this machine has no dpkg: not a Debian-family host")
def test_this_debian_machine_through_the_agent(engine, enroll):
    from agent.inventory import collect

    report = collect("/")
    host = enroll(report["host"]["id"], report["host"]["hostname"])
    report["collected_at"] = NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
    ingest_report(engine, parse_report(json.dumps(report).encode()), host.host_id, now=NOW)
    unknown, installs = _non_os_unknown_share(engine)
    assert unknown / installs <= 0.05, (unknown, installs)
    found = _classes_by_name(engine, host.host_id)
    from_debian = [r for r in found.values() if r.provenance and json.loads(r.provenance).get("origin") == "Debian"]
    assert all(r.os_component for r in from_debian), [r.name for r in from_debian if not r.os_component]

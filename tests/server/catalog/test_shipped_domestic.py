"""The shipped domestic, European and open-source catalog files: shared ids exist and real-shaped titles land right."""

from __future__ import annotations

import pytest

from server.catalog.loader import load_catalog
from server.catalog.policy import Classifier

# Fixed by docs/catalog-format.md: foreign products name these as alternatives.
SHARED_IDS = """
astra-linux red-os alt-linux rosa-linux myoffice r7-office kaspersky-endpoint-security drweb cryptopro-csp
vipnet-client secret-net-studio 1c-enterprise yandex-browser yandex-telemost yandex-disk vk-teams vk-workdisk trueconf
kontur-talk salutejazz postgres-pro red-database rupost express-messenger max-messenger rudesktop assistant-safib
gigaide chromium-gost master-pdf-editor brest libreoffice onlyoffice collabora-office thunderbird firefox nextcloud
jitsi-meet bigbluebutton element gimp inkscape pdfsam postgresql mariadb proxmox-ve rustdesk vscodium open-xchange
opentalk debian opensuse odoo keepassxc 7-zip vlc
""".split()


@pytest.fixture(scope="module")
def shipped():
    catalog = load_catalog()
    assert not catalog.problems, "\n".join(str(p) for p in catalog.problems)
    return catalog


@pytest.fixture(scope="module")
def classify(shipped):
    return Classifier(shipped, ("RU",)).classify


def test_shared_product_ids_are_defined(shipped):
    assert [i for i in SHARED_IDS if i not in shipped.products] == []


def test_every_vendor_states_its_evidence(shipped):
    """A country needs a source; a vendor without a confirmed country must say why in its note."""
    files = ("ru-", "open-source-", "europe.toml", "linux-distributions-open.toml")
    ours = [v for v in shipped.vendors.values() if any(part in str(v.file) for part in files)]
    assert len(ours) >= 55
    assert [v.id for v in ours if not v.source.startswith("http")] == []
    assert [v.id for v in ours if not shipped.country_of(v.id) and "NOT" not in v.note] == []


@pytest.mark.parametrize(
    "item, vendor, product, status",
    [
        # Russian-locale Windows Uninstall entries (DisplayName, Publisher as the registry has them).
        ({"name": "КриптоПро CSP", "publisher": "Компания КриптоПро", "source": "windows"},
         "cryptopro", "cryptopro-csp", "domestic"),
        ({"name": "1C Предприятие 7.7", "source": "windows"}, "1c", "1c-enterprise", "domestic"),
        ({"name": "1С:Предприятие 8 (x86-64) (8.3.24.1467)", "publisher": "1С-Софт", "source": "windows"},
         "1c", "1c-enterprise", "domestic"),
        ({"name": "1С:Предприятие 8 Тонкий клиент (8.3.24.1467)", "source": "windows"},
         "1c", "1c-thin-client", "domestic"),
        ({"name": "Kaspersky Endpoint Security для Windows", "publisher": "АО «Лаборатория Касперского»",
          "source": "windows"}, "kaspersky", "kaspersky-endpoint-security", "domestic"),
        ({"name": "Агент администрирования Kaspersky Security Center", "publisher": "АО Лаборатория Касперского",
          "source": "windows"}, "kaspersky", "kaspersky-network-agent", "domestic"),
        ({"name": "Yandex", "publisher": "ООО «ЯНДЕКС»", "source": "windows"}, "yandex", "yandex-browser", "domestic"),
        ({"name": "Р7-Офис", "source": "windows"}, "r7", "r7-office", "domestic"),
        ({"name": "МойОфис Стандартный", "publisher": "ООО «Новые облачные технологии»", "source": "windows"},
         "new-cloud-technologies", "myoffice", "domestic"),
        ({"name": "Контур.Толк", "source": "windows"}, "skb-kontur", "kontur-talk", "domestic"),
        ({"name": "Dr.Web Security Space", "publisher": "Doctor Web", "source": "windows"},
         "doctor-web", "drweb", "domestic"),
        ({"name": "LibreOffice 24.8.2.1", "publisher": "The Document Foundation", "source": "windows"},
         "document-foundation", "libreoffice", "foreign"),
        ({"name": "Mozilla Thunderbird (x64 ru)", "publisher": "Mozilla", "source": "windows"},
         "mzla", "thunderbird", "foreign"),
        # Linux packages from vendors' own repositories.
        ({"name": "yandex-browser-stable", "source": "deb"}, "yandex", "yandex-browser", "domestic"),
        ({"name": "kesl", "source": "rpm"}, "kaspersky", "kaspersky-endpoint-security", "domestic"),
        ({"name": "lsb-cprocsp-base", "source": "deb"}, "cryptopro", "cryptopro-csp", "domestic"),
        ({"name": "1c-enterprise-8.3.24.1467-server", "source": "deb"}, "1c", "1c-enterprise", "domestic"),
        ({"name": "1c-enterprise83-thin-client", "source": "deb"}, "1c", "1c-thin-client", "domestic"),
        ({"name": "org.libreoffice.LibreOffice", "source": "flatpak", "id": "org.libreoffice.LibreOffice"},
         "document-foundation", "libreoffice", "foreign"),
        # Operating systems by os-release ID.
        ({"name": "Astra Linux 1.7 x86-64", "source": "os", "id": "astra"}, "astra", "astra-linux", "domestic"),
        ({"name": "РЕД ОС 7.3", "source": "os", "id": "redos"}, "red-soft", "red-os", "domestic"),
        ({"name": "ALT Workstation 10.2", "source": "os", "id": "altlinux"}, "basealt", "alt-linux", "domestic"),
        ({"name": "Debian GNU/Linux 12 (bookworm)", "source": "os", "id": "debian"}, "debian", "debian", "foreign"),
    ],
)
def test_real_shaped_titles(classify, item, vendor, product, status):
    result = classify(item)
    assert (result.vendor, result.product, result.status) == (vendor, product, status)


@pytest.mark.parametrize(
    "item, os_product",
    [
        ({"name": "fly-fm", "source": "deb", "publisher": "Astra Linux Maintainers <maintainers@astralinux.ru>"},
         "astra-linux"),
        ({"name": "kernel", "source": "rpm", "publisher": "RED SOFT"}, "red-os"),
        ({"name": "bash", "source": "rpm", "publisher": "ALT Linux Team"}, "alt-linux"),
        ({"name": "libc6", "source": "deb", "publisher": "GNU Libc Maintainers <debian-glibc@lists.debian.org>"},
         "debian"),
    ],
)
def test_distribution_packages_belong_to_their_os(classify, item, os_product):
    result = classify(item)
    assert (result.product, result.os_component) == (os_product, True)


def test_unconfirmed_vendor_is_unknown_not_domestic(classify):
    result = classify({"name": "Secret Net Studio", "publisher": "Security Code", "source": "windows"})
    assert (result.vendor, result.product, result.country, result.status) == ("security-code", "secret-net-studio",
                                                                               "", "unknown")


@pytest.mark.parametrize(
    "item",
    [
        {"name": "Yandex Music Downloader", "source": "windows"},   # a third-party tool naming Yandex
        {"name": "Express Scribe Transcription", "source": "windows"},
        {"name": "GIMP Portable Launcher", "source": "windows"},
        {"name": "jazz-midi", "source": "deb"},
    ],
)
def test_look_alikes_do_not_match(classify, item):
    assert classify(item).product == ""

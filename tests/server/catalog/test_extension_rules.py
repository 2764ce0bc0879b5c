"""Extensions are classified by their store ids and publishers, never by the program name patterns."""

from __future__ import annotations

import pytest

from server.catalog.loader import load_catalog
from server.catalog.policy import Classifier
from tests.support.extension_homes import found, sample_machine


@pytest.fixture(scope="module")
def classify():
    return Classifier(load_catalog(), ("RU",)).classify


def test_the_sample_machines_extensions_by_id(classify, tmp_path):
    sample_machine(tmp_path)
    from agent.inventory import collect

    items = [i for i in collect(str(tmp_path))["software"] if i["source"].endswith("-extension")]
    products = {(i["application"], i["id"]): classify(i).product for i in items}
    assert products[("Google Chrome", "aapbdbdomjkkjkaonfhkkikfgjllcleb")] == "google-translate-extension"
    assert products[("Google Chrome", "kgjfgplpablkjnlkjmjdecgdpfankdle")] == "zoom-chrome-extension"
    assert products[("Yandex Browser", "gpaiobkfhnonedkhhfjpmhdalgeoebfa")] == "microsoft-editor-extension"
    assert products[("Firefox", "87677a2c52b84ad3a151a4a72f5bd3c4@jetpack")] == "grammarly-extension"
    assert products[("Visual Studio Code", "github.copilot")] == "github-copilot-extension"
    assert products[("IntelliJ IDEA Ultimate 2024.3", "com.github.copilot")] == "github-copilot-extension"
    assert products[("Visual Studio Code", "amazonwebservices.aws-toolkit-vscode")] == "aws-toolkit-extension"
    assert products[("Visual Studio Code", "ms-python.python")] == "microsoft-vscode-extensions"
    assert len(found(items)) == 12


def test_rules_and_statuses(classify):
    copilot = classify({"name": "GitHub Copilot", "source": "ide-extension", "id": "github.copilot-chat",
                        "publisher": "GitHub"})
    assert (copilot.rule, copilot.level, copilot.category) == ("ide-extension:id=github.copilot-chat", "exact",
                                                                "ide-extension")
    assert (copilot.country, copilot.group) == ("US", "foreign-proprietary")
    kaspersky = classify({"name": "Kaspersky Protection", "source": "browser-extension",
                          "id": "light_plugin_ACF0E80077C511E59DED005056C00008@kaspersky.com"})
    assert (kaspersky.product, kaspersky.status) == ("kaspersky-protection", "domestic")
    bookmarks = classify({"name": "Визуальные закладки", "source": "browser-extension",
                          "id": "pchfckkccldkbclgdepkaonamkignanh", "application": "Google Chrome"})
    assert (bookmarks.product, bookmarks.vendor, bookmarks.status) == ("yandex-visual-bookmarks", "yandex", "domestic")
    remote = classify({"name": "Remote - SSH", "source": "ide-extension", "id": "ms-vscode-remote.remote-ssh"})
    assert remote.rule == "ide-extension:id=ms-vscode-remote.*"


def test_a_name_pattern_never_classifies_an_extension(classify):
    # "Zoom" and "Google Chrome" are program patterns; an extension of that name by an unknown author stays unknown
    for name in ("Zoom", "Google Chrome", "Microsoft Teams", "Yandex Browser"):
        result = classify({"name": name, "source": "browser-extension", "id": "abcdefghijklmnopabcdefghijklmnop"})
        assert (result.product, result.vendor, result.group) == ("", "", "unknown"), name
    # as a Windows program the same name is the product
    assert classify({"name": "Zoom", "source": "windows"}).product == "zoom-workplace"


def test_the_publisher_still_names_the_vendor(classify):
    result = classify({"name": "Some Microsoft helper", "source": "ide-extension", "id": "acme.helper",
                       "publisher": "Microsoft"})
    assert (result.vendor, result.product, result.level) == ("microsoft", "", "publisher")

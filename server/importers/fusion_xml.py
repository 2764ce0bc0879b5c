"""FusionInventory / GLPI agent XML (`fusioninventory-inventory`, `glpi-inventory`): REQUEST/CONTENT/...

The XML is turned into the GLPI JSON `content` shape (lower-case keys, repeated sections as lists) and mapped
by `glpi_json.report_from_content`, because GLPI's JSON format is this XML with renamed keys.
"""

from __future__ import annotations

from typing import Any, Dict, List

from server.importers.common import text_of
from server.importers.glpi_json import report_from_content
from server.importers.limits import InventoryFileError

# Sections that appear once; every other CONTENT child may repeat and becomes a list.
_SINGLE = {"accesslog", "bios", "hardware", "operatingsystem", "versionclient", "versionprovider"}
# Where the XML's names differ from the JSON format's.
_RENAMED = {"installdate": "install_date", "macaddr": "mac"}


def _value(element) -> Any:
    if len(element) == 0:
        return element.text
    return {_RENAMED.get(child.tag.lower(), child.tag.lower()): _value(child) for child in element}


def content_of(content_element) -> Dict[str, Any]:
    """The CONTENT element as GLPI's JSON `content` dict."""
    content: Dict[str, Any] = {}
    for child in content_element:
        key = child.tag.lower()
        if key in _SINGLE:
            content.setdefault(key, _value(child))
        else:
            content.setdefault(key, []).append(_value(child))
    return content


def reports(data: bytes, root) -> List[Dict[str, Any]]:
    """The report for a parsed FusionInventory/GLPI XML inventory (root element REQUEST)."""
    content = root.find("CONTENT")
    if content is None:
        raise InventoryFileError("FusionInventory XML without a CONTENT element")
    return [report_from_content(data, 0, text_of(root.findtext("DEVICEID")), content_of(content))]

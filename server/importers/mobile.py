"""What the phone importers (Intune, Jamf Pro, GLPI's Android agent) share: a phone's OS facts, its kind, and an
app as a software item of source `android` or `ios`, shaped as `footprint-agent collect --phone` reports them
(docs/report-format.md, "Phones")."""

from __future__ import annotations

import re
from typing import Any, Dict, Optional

from server.importers.common import drop_empty, text_of

# An Android package name or an iOS bundle id: dot-separated words (com.whatsapp, ph.telegra.Telegraph).
_APP_ID = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$")
# Model names of tablets where the MDM does not say (Galaxy Tab, MatePad, Xiaomi Pad, Lenovo Tab, Pixel Tablet).
_TABLET_MODEL = re.compile(r"\b(tab|tablet|pad|matepad|mediapad|ipad)\b|^ipad|^sm-[tx]\d", re.IGNORECASE)
_VERSION = re.compile(r"(\d+(?:\.\d+)*)")


def app_id(value: Any) -> Optional[str]:
    """The value when it has the shape of a package name / bundle id; None for a display name or opaque key."""
    text = text_of(value)
    return text if text and len(text) <= 255 and _APP_ID.match(text) else None


def device_kind(model: Optional[str], product: Optional[str] = None) -> str:
    """tablet when the model (or Apple's product type, iPad13,18) names a tablet, else phone."""
    named = " ".join(t for t in (model, product) if t)
    return "tablet" if _TABLET_MODEL.search(named) else "phone"


def apple_os_name(kind: str, version: Optional[str]) -> str:
    """iPadOS on an iPad from 13 on, else iOS (as `collect --phone` names them)."""
    major = _VERSION.match(version or "")
    if kind == "tablet" and major and int(major.group(1).split(".")[0]) >= 13:
        return "iPadOS"
    return "iOS"


def os_facts(family: str, kind: str, version: Optional[str], **more: Optional[str]) -> Dict[str, Any]:
    """host.os of a phone: Android, or iOS/iPadOS, with what the MDM knows (build, security_patch)."""
    name = "Android" if family == "android" else apple_os_name(kind, version)
    return drop_empty({"family": family, "name": name, "version": version, **more})


def app_item(family: str, name: Any, version: Any = None, **more: Any) -> Optional[Dict[str, Any]]:
    """One software item of source android/ios; None without a name. `id` only when it is a real app id."""
    shown = text_of(name)
    if not shown:
        return None
    item = drop_empty({
        "name": shown, "source": family, "id": app_id(more.pop("app_id", None)),
        **{k: text_of(v) if isinstance(v, str) else v for k, v in more.items()},
    })
    return {**item, "version": text_of(version) or ""}

"""Reading property lists (binary or XML) with one error type, for the macOS sources."""

from __future__ import annotations


class PlistError(ValueError):
    """A plist that cannot be read or parsed; the message says why."""


def load_plist_dict(path: str) -> dict:
    """The top-level dictionary of a plist file; FileNotFoundError passes through untouched."""
    import plistlib
    from xml.parsers.expat import ExpatError

    try:
        with open(path, "rb") as handle:
            data = plistlib.load(handle)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise PlistError(exc.strerror or str(exc)) from None
    except (ValueError, ExpatError) as exc:
        raise PlistError(f"not a valid plist ({exc})") from None
    if not isinstance(data, dict):
        raise PlistError("top level is not a dictionary")
    return data

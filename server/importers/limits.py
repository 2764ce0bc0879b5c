"""What an import accepts (size on disk and inflated, nesting, elements) and the error for a file that cannot
be imported; kept free of the parsers so the CLI reads the defaults without loading them."""

from __future__ import annotations

MiB = 1024 * 1024
# Real inventories are a few MB (GLPI's 3,000-program example is 1.1 MB); the cap holds on disk and inflated.
DEFAULT_MAX_BYTES = 16 * MiB
# Real inventories nest 5 levels and hold some 50,000 elements or values.
MAX_DEPTH = 64
MAX_NODES = 1_000_000


class InventoryFileError(ValueError):
    """A file that cannot be imported; the message says what is wrong, for the person running the import."""


def size_text(size: int) -> str:
    return f"{size / MiB:.1f} MiB" if size >= MiB else f"{size} bytes"


def too_large(what: str, max_bytes: int) -> InventoryFileError:
    return InventoryFileError(f"{what} the import limit of {size_text(max_bytes)} (--max-size)")

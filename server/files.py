"""The collector side's one file writer: a file appears whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Iterable


def write_atomically(path: Path, chunks: Iterable[bytes]) -> None:
    """Write `chunks` to a temporary file beside `path` (mode 0600) and rename it over `path` when complete;
    on any error (or interruption) the temporary file is removed and `path` is left as it was."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

"""A pickled, validated catalog index keyed by the data files' paths, sizes and mtimes: fast one-off CLI calls."""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from typing import Optional, Sequence

from server.catalog.loader import Problem, catalog_files, describe_problems, load_catalog, local_dirs_from_env
from server.catalog.matcher import CatalogIndex
from server.catalog.policy import Classifier, home_countries
from server.files import write_atomically
from server.settings import env

CACHE_DIR_ENV = "FOOTPRINT_CACHE_DIR"
_CODE = sorted(Path(__file__).parent.glob("*.py"))


def cache_dir() -> Path:
    """FOOTPRINT_CACHE_DIR, else $XDG_CACHE_HOME/footprint, else ~/.cache/footprint."""
    if env(CACHE_DIR_ENV):
        return Path(env(CACHE_DIR_ENV))
    base = env("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "footprint"


def _key(local_dirs: Sequence[Path], shipped_dir: Optional[Path]) -> str:
    digest = hashlib.sha256()
    for path in [p for p, _ in catalog_files(local_dirs, shipped_dir)] + _CODE + [Path(d) for d in local_dirs]:
        try:
            stat = path.stat()
            digest.update(f"{path.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        except OSError:
            digest.update(f"{path}\0missing\n".encode())
    return digest.hexdigest()[:32]


def load_index(
    local_dirs: Sequence[Path] = (), shipped_dir: Optional[Path] = None, use_cache: bool = True
) -> CatalogIndex:
    """The index of the validated catalog (problems included), from the cache when no file changed."""
    if not use_cache:
        return CatalogIndex(load_catalog(local_dirs, shipped_dir))
    directory = cache_dir()
    path = directory / f"catalog-{_key(local_dirs, shipped_dir)}.pickle"
    try:
        if _private(directory) and _private(path):
            with open(path, "rb") as fh:
                index = pickle.load(fh)
            if isinstance(index, CatalogIndex):
                return index
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        pass
    index = CatalogIndex(load_catalog(local_dirs, shipped_dir))
    _store(directory, path, index)
    return index


def _private(path: Path) -> bool:
    """Unpickling runs code: only trust files and directories that are ours and writable by nobody else."""
    stat = path.stat()
    owner_ok = not hasattr(os, "getuid") or stat.st_uid == os.getuid()
    return owner_ok and not stat.st_mode & 0o022


def _store(directory: Path, path: Path, index: CatalogIndex) -> None:
    """Write atomically (server/files.py) and drop older cache files; a read-only cache dir is not an error."""
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_atomically(path, [pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL)])
        for old in directory.glob("catalog-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass


class InvalidCatalog(Exception):
    """The catalog has problems; nothing may be classified with it (str: every problem, one per line)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(describe_problems(problems))
        self.problems = problems


def classifier_for(local_dirs: Sequence[Path], home: Sequence[str]) -> Classifier:
    """The classifier over the shipped catalog plus `local_dirs` (cached index) for these home countries;
    InvalidCatalog if any file has a problem. The one loader: the CLI and the collector both use it."""
    index = load_index(local_dirs)
    if index.catalog.problems:
        raise InvalidCatalog(index.catalog.problems)
    return Classifier(index, home)


def load_classifier(home: Optional[str] = None, local_dirs: Sequence[Path] = ()) -> Classifier:
    """The classifier for a command line: FOOTPRINT_CATALOG_DIR plus `local_dirs`, home countries from `home`
    or FOOTPRINT_HOME_COUNTRIES (ValueError if a code is bad); InvalidCatalog if any file has a problem."""
    return classifier_for(local_dirs_from_env() + list(local_dirs), home_countries(home))

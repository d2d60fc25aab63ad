"""Where the shipped `sql/` and `datasets/` folders are: inside the installed package, or the checkout.

A wheel carries them as `analyzer/_data/sql` and `analyzer/_data/datasets` (pyproject.toml maps the
top-level folders there at build time); an editable install or a source checkout reads the top-level
folders in place. Both are found through `importlib.resources`, so no path is guessed from the
current directory.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path

from analyzer.errors import ConfigError


def _is_root(folder: Path) -> bool:
    return (folder / "sql").is_dir() and (folder / "datasets").is_dir()


@cache
def project_root() -> Path:
    """The folder holding `sql/` and `datasets/`: $ANALYZER_HOME, the package's `_data`, or the checkout."""
    override = os.environ.get("ANALYZER_HOME")
    if override:
        if not _is_root(Path(override)):
            raise ConfigError(
                f"ANALYZER_HOME={override} has no sql/ and datasets/ folders; unset it or fix it"
            )
        return Path(override)
    package = Path(str(resources.files("analyzer")))
    for root in (package / "_data", package.parent):
        if _is_root(root):
            return root
    raise ConfigError(
        f"cannot find the shipped sql/ and datasets/ folders next to {package}; reinstall analyzer "
        "(`pip install --force-reinstall analyzer`) or set ANALYZER_HOME to a project checkout"
    )


def sql_dir() -> Path:
    return project_root() / "sql"


def datasets_dir() -> Path:
    return project_root() / "datasets"


def hand_files(root: Path | None = None) -> list[Path]:
    root = root or datasets_dir()
    return [root / "providers.yaml", *sorted((root / "providers.d").glob("*.yaml"))]


def peer_files(root: Path | None = None) -> list[Path]:
    """Peer catalog files; mapping.yaml is the importer's input, not catalog data."""
    root = root or datasets_dir()
    return [p for p in sorted((root / "providers.d" / "peers").glob("*.yaml")) if p.name != "mapping.yaml"]


def catalog_files(root: Path | None = None) -> list[Path]:
    return [p for p in (*hand_files(root), *peer_files(root)) if p.exists()]


def sql_files(folder: Path | None = None) -> list[Path]:
    """The `sql/` files in the order they are applied (by file name: layer number first)."""
    return sorted((folder or sql_dir()).glob("*.sql"))


def files_digest(files: Sequence[Path]) -> str:
    """A digest of the files' names and bytes, in order (the `sql_digest` a database records)."""
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def shipped_file(relative: str) -> Path:
    """A file under `datasets/` that the program needs; a one-line error names it when it is missing."""
    path = datasets_dir() / relative
    if not path.is_file():
        raise ConfigError(
            f"shipped file datasets/{relative} is missing from {datasets_dir()}; the installation is "
            "incomplete: reinstall analyzer"
        )
    return path

"""Compressed input files, recognised by their first bytes, never by their names.

Every reader asks here: the text parsers open files through `open_maybe_compressed`, and the readers
that hand a file to DuckDB name its `compression =` from `compression_of`. Another format is one
more row of _FORMATS (its magic bytes, the name DuckDB knows it by, a stdlib opener); the readers
that hand files to DuckDB then need a DuckDB build that reads it.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path
from typing import Any

# (magic bytes, name, opener): the name is also DuckDB's `compression =` value.
_FORMATS: tuple[tuple[bytes, str, Callable[..., Any]], ...] = ((b"\x1f\x8b", "gzip", gzip.open),)
_LONGEST = max(len(magic) for magic, _, _ in _FORMATS)


def _format(path: str | Path) -> tuple[bytes, str, Callable[..., Any]] | None:
    with Path(path).open("rb") as fh:
        head = fh.read(_LONGEST)
    return next((f for f in _FORMATS if head.startswith(f[0])), None)


def compression_of(path: str | Path) -> str | None:
    """'gzip' for a gzipped file (DuckDB's name for it), None for an uncompressed one."""
    found = _format(path)
    return found[1] if found else None


def is_gzip(path: str | Path) -> bool:
    return compression_of(path) == "gzip"


def open_maybe_compressed(path: str | Path) -> Any:
    """A binary stream of the file's content: decompressed when its first bytes say it is compressed."""
    found = _format(path)
    return found[2](path, "rb") if found else Path(path).open("rb")

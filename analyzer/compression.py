"""Compressed input files, recognised by their first bytes, never by their names.

Every reader asks here: the text parsers open files through `open_maybe_compressed`, and the readers
that hand a file to DuckDB go through `duckdb_readable`. Which library reads which format:

| format | magic       | read by (Python stream)          | DuckDB read_csv/read_json |
|--------|-------------|----------------------------------|---------------------------|
| gzip   | 1f 8b       | stdlib `gzip`                    | itself (`compression = 'gzip'`) |
| bzip2  | 42 5a 68    | stdlib `bz2`                     | no: inflated to a temporary file first |
| xz     | fd 37 7a 58 5a 00 | stdlib `lzma`              | no: inflated to a temporary file first |
| zstd   | 28 b5 2f fd | pyarrow (`CompressedInputStream`; the stdlib has zstd only from Python 3.14) | itself (`compression = 'zstd'`) |

Another format is one more row of _FORMATS (its magic bytes, its name, a streaming opener, whether
DuckDB reads it).
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import shutil
import tempfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def _zstd_open(path: str | Path, mode: str = "rb") -> Any:
    import pyarrow as pa  # a zstd file is rare: the other formats never load it

    return pa.CompressedInputStream(pa.OSFile(str(path), mode="r"), "zstd")


@dataclass(frozen=True)
class Format:
    magic: bytes
    name: str  # also DuckDB's `compression =` value when `duckdb` is true
    opener: Callable[..., Any]
    duckdb: bool


_FORMATS: tuple[Format, ...] = (
    Format(b"\x1f\x8b", "gzip", gzip.open, True),
    Format(b"BZh", "bzip2", bz2.open, False),
    Format(b"\xfd7zXZ\x00", "xz", lzma.open, False),
    Format(b"\x28\xb5\x2f\xfd", "zstd", _zstd_open, True),
)
_LONGEST = max(len(f.magic) for f in _FORMATS)

# What the decompressors raise on truncated or corrupt data (bz2 and pyarrow raise OSError).
CORRUPT_ERRORS: tuple[type[BaseException], ...] = (EOFError, gzip.BadGzipFile, zlib.error, lzma.LZMAError)


def _format(path: str | Path) -> Format | None:
    with Path(path).open("rb") as fh:
        head = fh.read(_LONGEST)
    return next((f for f in _FORMATS if head.startswith(f.magic)), None)


def compression_of(path: str | Path) -> str | None:
    """'gzip', 'bzip2', 'xz' or 'zstd' for a compressed file, None for an uncompressed one."""
    found = _format(path)
    return found.name if found else None


def is_gzip(path: str | Path) -> bool:
    return compression_of(path) == "gzip"


def open_maybe_compressed(path: str | Path) -> Any:
    """A binary stream of the file's content: decompressed when its first bytes say it is compressed."""
    found = _format(path)
    return found.opener(path, "rb") if found else Path(path).open("rb")


def corrupt_message(path: str | Path, exc: BaseException) -> str | None:
    """'truncated or corrupt bzip2 data: ...' when `exc` came from decompressing `path`, else None."""
    codec = compression_of(path)
    if codec is None or not isinstance(exc, (*CORRUPT_ERRORS, OSError)):
        return None
    return f"truncated or corrupt {codec} data: {exc}"


def literal_path(path: str | Path) -> str:
    """A path DuckDB reads as exactly that file: absolute (no `~` expansion) with its glob
    characters bracketed (`x[1].parquet` is not `x1.parquet`, `a*.json` not every `a...json`)."""
    text = str(Path(path).absolute())
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


@contextmanager
def duckdb_readable(path: str | Path) -> Iterator[tuple[str, str]]:
    """(literal path, compression) for DuckDB's readers: the file itself when DuckDB reads its
    compression (none, gzip, zstd), else a temporary inflated copy, streamed, removed afterwards."""
    found = _format(path)
    if found is None or found.duckdb:
        yield literal_path(path), found.name if found else "none"
        return
    with tempfile.TemporaryDirectory(prefix="analyzer-inflate-") as tmp:
        target = Path(tmp) / "inflated"
        with found.opener(path, "rb") as src, target.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        yield literal_path(target), "none"

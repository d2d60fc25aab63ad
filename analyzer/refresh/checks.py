"""Sanity checks before ingest: plausible size and record count, and no sudden shrink upstream."""

from __future__ import annotations

import csv
import gzip
import json
import zlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from analyzer.ingest.base import open_text
from analyzer.refresh.registry import Source

# A file that lost more than this share of its records since the previous snapshot is held back.
MAX_SHRINK = 0.30


class CheckFailed(Exception):
    """The file is not plausible; `held` means a human may accept it with --force."""

    def __init__(self, message: str, *, held: bool = False) -> None:
        super().__init__(message)
        self.held = held


def count_rows(source: Source, path: Path) -> int | None:
    """Records in the file as the registry bounds count them; None when the format has no count."""
    fmt = source.format
    try:
        if fmt == "json":
            with path.open("rb") as fh:
                doc = json.load(fh)  # range files: a few MB, bounded by the registry's size cap
            if not source.count:
                return len(doc) if isinstance(doc, list) else None
            if not isinstance(doc, dict):
                raise CheckFailed(f"expected a JSON object with {', '.join(source.count)}")
            missing = [k for k in source.count if not isinstance(doc.get(k), list)]
            if len(missing) == len(source.count):
                raise CheckFailed(f"none of the lists {', '.join(source.count)} is in the JSON document")
            return sum(len(doc.get(k) or []) for k in source.count)
        if fmt == "csv":
            with open_text(path) as fh:
                rows = sum(1 for row in csv.reader(fh) if row)
            return max(0, rows - 1) if source.header else rows
        if fmt in ("text", "psl"):
            with open_text(path) as fh:
                return sum(1 for line in fh if line.strip() and not line.lstrip().startswith(("#", "//")))
        if fmt in ("tsv.gz", "pfx2as.gz", "jsonl.gz"):
            return _gzip_lines(path)
        if fmt == "parquet":  # the footer says, nothing is read
            return int(pq.ParquetFile(path).metadata.num_rows)
    except CheckFailed:
        raise
    except (OSError, EOFError, zlib.error) as exc:
        raise CheckFailed(f"corrupt or truncated compressed data: {exc}") from None
    except UnicodeDecodeError as exc:
        raise CheckFailed(f"not valid UTF-8 at byte {exc.start}") from None
    except (ValueError, csv.Error, pa.ArrowException) as exc:
        raise CheckFailed(f"not valid {fmt}: {exc}") from None
    return None


def _gzip_lines(path: Path) -> int:
    """Lines of a gzipped file, counted per decompressed block (a bound check, not a parse)."""
    lines, last = 0, b"\n"
    with gzip.open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            lines += block.count(b"\n")
            last = block[-1:]
    return lines + (last != b"\n")


def check_file(source: Source, size: int, rows: int | None, previous_rows: int | None, force: bool) -> None:
    """Raise CheckFailed when the file is outside the registry bounds or shrank too much."""
    if source.bytes_bounds and size < source.bytes_bounds[0]:
        raise CheckFailed(
            f"only {size:,} bytes, the registry expects at least {source.bytes_bounds[0]:,}: "
            "upstream looks broken; refused"
        )
    if rows is not None and source.rows_bounds:
        low, high = source.rows_bounds
        if not low <= rows <= high:
            raise CheckFailed(
                f"{rows:,} records, the registry expects {low:,} to {high:,}: upstream looks broken; refused"
            )
    if rows is not None and previous_rows and rows < previous_rows * (1 - MAX_SHRINK) and not force:
        raise CheckFailed(
            f"{rows:,} records against {previous_rows:,} in the previous snapshot "
            f"(-{1 - rows / previous_rows:.0%}); held back, re-run with --force to accept it",
            held=True,
        )

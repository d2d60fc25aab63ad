"""Sanity checks before ingest: plausible size and record count, no sudden shrink upstream, and a
complete file by the format's own end (gzip trailer, JSON close, Parquet footer, a CSV's last
record as wide as its header): a server that closes the connection early without having said how
long the body is leaves no other trace."""

from __future__ import annotations

import csv
import gzip
import json
import zlib
from pathlib import Path

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
    import pyarrow as pa  # loaded by a refresh, not by every command that imports this package
    import pyarrow.parquet as pq

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
            return _csv_rows(source, path)
        if fmt == "parquet":
            return _parquet_rows(path)
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


def _csv_rows(source: Source, path: Path) -> int:
    """Records of a CSV file; a last record narrower than the header is a cut-off file."""
    rows, width, last = 0, None, None
    with open_text(path) as fh:
        for row in csv.reader(fh):
            if row:
                rows += 1
                width = len(row) if width is None else width
                last = len(row)
    if source.header and rows > 1 and last is not None and width is not None and last < width:
        raise CheckFailed(
            f"the last record has {last} of the header's {width} fields: the file is cut off "
            "(truncated download?); refused"
        )
    return max(0, rows - 1) if source.header else rows


def _parquet_rows(path: Path) -> int:
    """Rows by the Parquet footer; a file without one (cut off) is refused."""
    import pyarrow.parquet as pq

    with path.open("rb") as fh:
        fh.seek(0, 2)
        fh.seek(max(0, fh.tell() - 4))
        if fh.read(4) != b"PAR1":
            raise CheckFailed("no Parquet footer at the end of the file: the file is cut off; refused")
    try:
        return int(pq.read_metadata(path).num_rows)
    except Exception as exc:  # pyarrow's ArrowInvalid/OSError for a damaged footer
        raise CheckFailed(f"unreadable Parquet footer: {exc}; refused") from None


def _gzip_lines(path: Path) -> int:
    """Lines of a gzipped file, counted per decompressed block (a bound check, not a parse)."""
    lines, last = 0, b"\n"
    with gzip.open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            lines += block.count(b"\n")
            last = block[-1:]
    return lines + (last != b"\n")


def check_unannounced(size: int, previous_bytes: int | None, force: bool) -> None:
    """A body whose length the server did not announce (no Content-Length, not chunked) ends where
    the connection closed: smaller than the previous copy, it may be cut off and is held back."""
    if previous_bytes and size < previous_bytes and not force:
        raise CheckFailed(
            f"{size:,} bytes against {previous_bytes:,} in the previous download, and the server did not "
            "say how long the body is: it may be cut off; held back, re-run with --force to accept it",
            held=True,
        )


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

"""What every ingest shares: provenance, one transaction per file, idempotence, issue counting, and
how the snapshot date was found (`datasets.date_source`)."""

from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import io
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from analyzer import settings
from analyzer.compression import (
    CORRUPT_ERRORS,
    corrupt_message,
    is_gzip,
    literal_path,
    open_maybe_compressed,
)
from analyzer.errors import AnalyzerError, SourceError
from analyzer.safe_text import shorten
from analyzer.workspace import Workspace, first_row

# Problems kept in load_issues per file; all of them are counted.
MAX_STORED_ISSUES = 1000
# A message echoes values from the file (shown() cuts each at 80 characters); this caps the rest.
MAX_MESSAGE = 300

# How a dataset's snapshot date was found, recorded in datasets.date_source:
DATE_SOURCES = {
    "option": "given with --date",
    "content": "a date the publisher wrote in the file (createDate, creationTime, Last modified, ...)",
    "file_name": "a date in the file name (..._YYYYMMDD..., YYYY-MM-DD)",
    "soa_serial": "the zone's SOA serial, a date (YYYYMMDDnn)",
    "records": "the records' own timestamps (the latest day they cover)",
    "file_mtime": "the file's modification date: a guess, pass --date",
}

_DATE_IN_NAME = re.compile(r"(?<!\d)(19\d\d|20\d\d)-?(\d\d)-?(\d\d)(?!\d)")


@dataclass
class Issues:
    """Rows rejected and warnings of one file: counted in full, the first ones kept with lines."""

    path: str
    rejected: int = 0
    warnings: int = 0
    samples: list[tuple[int | None, str, str]] = field(default_factory=list)
    _once: set[str] = field(default_factory=set)

    def reject(self, line: int | None, message: str) -> None:
        self.rejected += 1
        if len(self.samples) < MAX_STORED_ISSUES:
            self.samples.append((line, "rejected", shorten(message, MAX_MESSAGE)))

    def warn(self, line: int | None, message: str) -> None:
        self.warnings += 1
        if len(self.samples) < MAX_STORED_ISSUES:
            self.samples.append((line, "warning", shorten(message, MAX_MESSAGE)))

    def warn_once(self, key: str, message: str, line: int | None = None) -> None:
        """Report a file-level fact (an unexpected column, an unknown list) a single time."""
        if key not in self._once:
            self._once.add(key)
            self.warn(line, message)


@dataclass
class LoadContext:
    """Handed to a parser: where to write (dataset_id) and how to report."""

    ws: Workspace
    path: Path
    dataset_id: int
    issues: Issues
    options: dict[str, Any]
    format: str = "unknown"
    snapshot_date: dt.date | None = None
    date_source: str | None = None  # one of DATE_SOURCES, set with snapshot_date
    label: str | None = None

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        return self.ws.con

    @property
    def duckdb_path(self) -> str:
        """The file for DuckDB's read_* functions, which glob their argument: see literal_path."""
        return literal_path(self.path)

    def set_snapshot(self, date: dt.date | None, source: str) -> bool:
        """Date the dataset and say how the date was found; a None date changes nothing."""
        assert source in DATE_SOURCES, source
        if date is None:
            return False
        self.snapshot_date, self.date_source = date, source
        return True


@dataclass
class LoadResult:
    kind: str
    source: str
    format: str
    dataset_id: int | None
    rows_loaded: int
    rows_rejected: int
    warnings: int
    snapshot_date: dt.date | None
    skipped: bool = False
    messages: list[str] = field(default_factory=list)
    date_source: str | None = None

    def summary(self) -> str:
        if self.skipped:
            return f"{self.source}: already loaded as dataset {self.dataset_id} (same sha256), skipped"
        guess = " (file date, a guess: pass --date)" if self.date_source == "file_mtime" else ""
        date = f", snapshot {self.snapshot_date}{guess}" if self.snapshot_date else ""
        return (
            f"{self.source}: {self.kind}/{self.format}{date}: {self.rows_loaded:,} rows loaded, "
            f"{self.rows_rejected:,} rejected, {self.warnings:,} warnings (dataset {self.dataset_id})"
        )


# A parser reads the file, inserts rows tagged with ctx.dataset_id, and returns rows loaded.
Parser = Callable[[LoadContext], int]


def file_digest(path: Path) -> tuple[str, int]:
    """sha256 and size, streamed in 1 MiB blocks."""
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
            size += len(block)
    return h.hexdigest(), size


# The input cap of the file being loaded (load_file sets it): open_text streams stop at it.
_CAP: contextvars.ContextVar[tuple[str, int] | None] = contextvars.ContextVar("input_cap", default=None)


class _Capped(io.RawIOBase):
    """A binary stream that refuses to yield more than `cap` bytes (decompressed) of `kind`."""

    def __init__(self, raw: Any, path: Path, kind: str, cap: int) -> None:
        self.raw, self.path, self.kind, self.cap, self.seen = raw, path, kind, cap, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        self.seen += len(data)
        if self.seen > self.cap:
            raise SourceError(self.path, over_cap(self.kind, self.cap))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.raw.close()
        super().close()


def over_cap(kind: str, cap: int) -> str:
    return (
        f"more than {cap:,} bytes of {kind} data after decompression; refused (a decompression bomb "
        f"or the wrong file? raise ANALYZER_MAX_INPUT_{kind.upper()} if it is real)"
    )


def open_text(path: Path) -> Any:
    """A text stream over a plain or compressed file, strict UTF-8 (a BOM is accepted); within
    load_file it stops at the kind's input cap."""
    raw = open_maybe_compressed(path)
    cap = _CAP.get()
    if cap is not None:
        raw = io.BufferedReader(_Capped(raw, Path(path), cap[0], cap[1]), 1 << 16)
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline="")


def check_input(path: Path, kind: str, size: int) -> None:
    """Refuse a file over the kind's cap, or a gzip file that inflates like a bomb: its first MiB
    more than settings.max_ratio() times, or its trailer announcing more than the cap."""
    cap = settings.input_cap(kind)
    if size > cap:
        raise SourceError(path, f"{size:,} bytes is over the cap of {cap:,} for {kind}; refused")
    if not is_gzip(path):
        return
    ratio = settings.max_ratio()
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
        fh.seek(max(0, size - 4))
        isize = int.from_bytes(fh.read(4), "little")  # uncompressed size mod 2**32 (last member)
    # A small file may inflate a lot and still be small: below 16 MiB out nothing is a bomb.
    limit = max(ratio * len(head), 16 << 20)
    decomp, out, data = zlib.decompressobj(31), 0, head
    try:
        while data and out <= limit:  # in 1 MiB steps: the check never holds a bomb's output
            out += len(decomp.decompress(data, 1 << 20))
            data = decomp.unconsumed_tail
    except zlib.error:
        return  # corrupt data: the parser names where
    if out > limit:
        raise SourceError(
            path,
            f"inflates more than {ratio:g} times (a decompression bomb?); refused "
            "(set ANALYZER_MAX_RATIO higher if the file is real)",
        )
    if isize > cap:
        raise SourceError(path, over_cap(kind, cap))


def gzip_problem(path: Path) -> str | None:
    """Where a gzip file breaks: the byte offset of corrupt data, or the end of a truncated file."""
    decomp = zlib.decompressobj(31)
    offset = 0
    block_size = 1 << 12  # the error path only: small blocks name the place within 4 KiB
    with path.open("rb") as fh:
        while block := fh.read(block_size):
            data = block
            while data:
                try:
                    decomp.decompress(data, 1 << 20)
                    while decomp.unconsumed_tail:
                        decomp.decompress(decomp.unconsumed_tail, 1 << 20)
                except zlib.error as exc:
                    return f"corrupt gzip data at or after byte {offset:,}: {exc}"
                data = b""
                if decomp.eof and decomp.unused_data:  # another gzip member follows
                    data = decomp.unused_data
                    decomp = zlib.decompressobj(31)
            offset += len(block)
    if not decomp.eof:
        return f"truncated gzip data: the file ends at byte {offset:,} inside the compressed stream"
    return None


def mtime_date(path: Path) -> dt.date:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC).date()


def date_in_name(text: str) -> dt.date | None:
    """The first valid YYYYMMDD or YYYY-MM-DD in a file name, not part of a longer number
    (`routeviews-rv2-20170329-0200`, `ServiceTags_Public_20250721`; not `2020090500`)."""
    for m in _DATE_IN_NAME.finditer(text):
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            continue
    return None


def snapshot_of(ctx: LoadContext) -> tuple[dt.date, str]:
    """(date, date_source): --date wins over what the parser found; the file's modification date is
    the last resort, and is recorded as the guess it is."""
    if ctx.options.get("date"):
        return ctx.options["date"], "option"
    if ctx.snapshot_date is not None:
        return ctx.snapshot_date, ctx.date_source or "content"
    return mtime_date(ctx.path), "file_mtime"


def load_file(
    ws: Workspace,
    kind: str,
    path: Path,
    parser: Parser,
    *,
    options: dict[str, Any] | None = None,
    source: str | None = None,
    force: bool = False,
) -> LoadResult:
    """Load one file in one transaction; the same bytes loaded again for the same kind are skipped."""
    path = Path(path)
    if not path.is_file():
        raise SourceError(path, "no such file")
    sha256, size = file_digest(path)
    if size == 0:
        raise SourceError(path, f"the file is empty; expected a {kind} file")
    check_input(path, kind, size)
    options = dict(options or {})
    source = source or str(path)
    if not force:
        previous = first_row(
            ws.con.execute(
                "select dataset_id, format, snapshot_date, rows_loaded, rows_rejected, warnings, date_source "
                "from datasets where kind = ? and sha256 = ? and coalesce(label, '') = ? "
                "and status = 'loaded' order by dataset_id desc limit 1",
                [kind, sha256, options.get("label") or ""],
            )
        )
        if previous:
            return LoadResult(
                kind,
                source,
                previous[1],
                previous[0],
                previous[3],
                previous[4],
                previous[5],
                previous[2],
                skipped=True,
                date_source=previous[6],
            )
    issues = Issues(str(path))
    with ws.transaction() as con:
        row = first_row(
            con.execute(
                "insert into datasets (kind, format, source, sha256, bytes, status) "
                "values (?, 'unknown', ?, ?, ?, 'loading') returning dataset_id",
                [kind, source, sha256, size],
            )
        )
        assert row is not None
        ctx = LoadContext(ws, path, row[0], issues, options, label=options.get("label"))
        token = _CAP.set((kind, settings.input_cap(kind)))
        try:
            loaded = parser(ctx)
        except AnalyzerError:
            raise
        except UnicodeDecodeError as exc:
            raise SourceError(
                path,
                f"not valid UTF-8 at byte {exc.start}: {exc.reason}; re-save the file as UTF-8",
            ) from exc
        except (*CORRUPT_ERRORS, OSError) as exc:
            message = (gzip_problem(path) if is_gzip(path) else None) or corrupt_message(path, exc)
            if message is None:
                raise
            raise SourceError(path, message) from exc
        except duckdb.Error as exc:
            raise SourceError(path, f"could not be read as {kind}: {str(exc).splitlines()[0]}") from exc
        finally:
            _CAP.reset(token)
        snapshot, date_source = snapshot_of(ctx)
        con.execute(
            "update datasets set format = ?, snapshot_date = ?, date_source = ?, rows_loaded = ?, "
            "rows_rejected = ?, warnings = ?, label = ?, status = 'loaded' where dataset_id = ?",
            [
                ctx.format,
                snapshot,
                date_source,
                loaded,
                issues.rejected,
                issues.warnings,
                ctx.label,
                ctx.dataset_id,
            ],
        )
        if issues.samples:
            con.executemany(
                "insert into load_issues (dataset_id, line, severity, message) values (?, ?, ?, ?)",
                [(ctx.dataset_id, line, sev, msg) for line, sev, msg in issues.samples],
            )
    messages = [f"{path.name}{f' line {line}' if line else ''}: {msg}" for line, _, msg in issues.samples]
    return LoadResult(
        kind,
        source,
        ctx.format,
        ctx.dataset_id,
        loaded,
        issues.rejected,
        issues.warnings,
        snapshot,
        messages=messages,
        date_source=date_source,
    )

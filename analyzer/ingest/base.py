"""What every ingest shares: provenance, one transaction per file, idempotence, issue counting."""

from __future__ import annotations

import contextvars
import datetime as dt
import gzip
import hashlib
import io
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from analyzer import settings
from analyzer.compression import is_gzip, open_maybe_compressed
from analyzer.errors import AnalyzerError, SourceError
from analyzer.safe_text import shorten
from analyzer.workspace import Workspace, first_row

# Problems kept in load_issues per file; all of them are counted.
MAX_STORED_ISSUES = 1000
# A message echoes values from the file (shown() cuts each at 80 characters); this caps the rest.
MAX_MESSAGE = 300


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
    label: str | None = None

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        return self.ws.con

    @property
    def duckdb_path(self) -> str:
        """The file for DuckDB's read_* functions, which glob their argument: see literal_path."""
        return literal_path(self.path)


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

    def summary(self) -> str:
        if self.skipped:
            return f"{self.source}: already loaded as dataset {self.dataset_id} (same sha256), skipped"
        date = f", snapshot {self.snapshot_date}" if self.snapshot_date else ""
        return (
            f"{self.source}: {self.kind}/{self.format}{date}: {self.rows_loaded:,} rows loaded, "
            f"{self.rows_rejected:,} rejected, {self.warnings:,} warnings (dataset {self.dataset_id})"
        )


# A parser reads the file, inserts rows tagged with ctx.dataset_id, and returns rows loaded.
Parser = Callable[[LoadContext], int]


def literal_path(path: str | Path) -> str:
    """A path DuckDB reads as exactly that file: absolute (no `~` expansion) with its glob
    characters bracketed (`x[1].parquet` is not `x1.parquet`, `a*.json` not every `a...json`)."""
    text = str(Path(path).absolute())
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


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
                "select dataset_id, format, snapshot_date, rows_loaded, rows_rejected, warnings "
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
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            where = gzip_problem(path) if is_gzip(path) else None
            raise SourceError(path, where or f"truncated or corrupt compressed data: {exc}") from exc
        except duckdb.Error as exc:
            raise SourceError(path, f"could not be read as {kind}: {str(exc).splitlines()[0]}") from exc
        finally:
            _CAP.reset(token)
        # An explicit --date wins over what the data says; the file date is the last resort.
        snapshot = options.get("date") or ctx.snapshot_date or mtime_date(path)
        con.execute(
            "update datasets set format = ?, snapshot_date = ?, rows_loaded = ?, rows_rejected = ?, "
            "warnings = ?, label = ?, status = 'loaded' where dataset_id = ?",
            [
                ctx.format,
                snapshot,
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
    )

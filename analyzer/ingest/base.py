"""What every ingest shares: provenance, one transaction per file, idempotence, issue counting."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from analyzer.compression import open_maybe_compressed
from analyzer.errors import AnalyzerError, SourceError
from analyzer.workspace import Workspace, first_row

# Problems kept in load_issues per file; all of them are counted.
MAX_STORED_ISSUES = 1000


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
            self.samples.append((line, "rejected", message))

    def warn(self, line: int | None, message: str) -> None:
        self.warnings += 1
        if len(self.samples) < MAX_STORED_ISSUES:
            self.samples.append((line, "warning", message))

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


def file_digest(path: Path) -> tuple[str, int]:
    """sha256 and size, streamed in 1 MiB blocks."""
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
            size += len(block)
    return h.hexdigest(), size


def open_text(path: Path) -> Any:
    """A text stream over a plain or compressed file, strict UTF-8 (a BOM is accepted)."""
    return io.TextIOWrapper(open_maybe_compressed(path), encoding="utf-8-sig", errors="strict", newline="")


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
        try:
            loaded = parser(ctx)
        except AnalyzerError:
            raise
        except UnicodeDecodeError as exc:
            raise SourceError(
                path,
                f"not valid UTF-8 at byte {exc.start}: {exc.reason}; re-save the file as UTF-8",
            ) from exc
        except (EOFError, gzip.BadGzipFile) as exc:
            raise SourceError(path, f"truncated or corrupt gzip data: {exc}") from exc
        except duckdb.Error as exc:
            raise SourceError(path, f"could not be read as {kind}: {str(exc).splitlines()[0]}") from exc
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

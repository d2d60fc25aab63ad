"""`analyzer ingest dns PATH...`: detect the format of each file and load it into raw_dns_records.

One dataset row per file: a directory or a glob of OpenINTEL Parquet files is expanded into its files
(`expand_paths`), each loaded in its own transaction, so re-running over a day's folder skips the
files already loaded (same sha256) and a bad file stops only itself.

Every record of a file is dated with the snapshot date: `--date`, else the data's timestamps (the
last day they cover; OpenINTEL's are epoch ms, Rapid7's epoch seconds), else the file's date.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import os
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from analyzer.compression import is_gzip
from analyzer.dns import csvfile, fdns, focus, openintel, zonefile
from analyzer.dns.load import BatchWriter
from analyzer.dns.progress import run_with_progress
from analyzer.errors import SourceError
from analyzer.ingest.base import LoadContext, gzip_problem, mtime_date, open_text
from analyzer.workspace import first_row

FORMATS = ("openintel", "fdns", "zone", "csv")


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files of the arguments: a directory gives its `*.parquet` files (recursively), a glob its
    matches; anything else is passed on as it is (load_file names a missing file)."""
    out: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = sorted(f for f in path.rglob("*.parquet") if f.is_file())
            if not found:
                raise SourceError(path, "directory holds no *.parquet files (OpenINTEL data)")
            out.extend(found)
        elif not path.exists() and any(c in str(p) for c in "*?["):
            matches = sorted(Path(m) for m in glob.glob(str(p), recursive=True) if Path(m).is_file())
            if not matches:
                raise SourceError(p, "the pattern matches no file")
            out.extend(matches)
        else:
            out.append(path)
    return out


def prepare(paths: Iterable[str | Path], options: dict[str, Any]) -> tuple[list[Path], dict[str, Any]]:
    """A directory or glob of OpenINTEL files: one dataset per file; `--source` is the files' label."""
    return expand_paths(paths), {**options, "label": options.get("label") or options.get("source")}


def detect(path: Path) -> str:
    """The DNS format of a file from its bytes (Parquet magic, first text line), then its name."""
    with path.open("rb") as fh:
        if fh.read(4) == b"PAR1":
            return "openintel"
    first = ""
    with open_text(path) as fh:
        for line in fh:
            if line.strip() and not line.lstrip().startswith(";"):
                first = line.strip()
                break
    name = path.name.lower()
    if first.startswith("{"):
        return "fdns"
    if first.lower().replace(" ", "").startswith("name,type,value") or name.endswith((".csv", ".csv.gz")):
        return "csv"
    return "zone"


def _passes(ctx: LoadContext, one_pass: Callable[[str | None, bool], int]) -> int:
    if not ctx.options.get("related_only"):
        return one_pass(None, True)
    domains = focus.linked_domains(ctx.con)
    if not domains:
        ctx.issues.warn(None, "--related-only: no domains are linked to watchlist entities; nothing kept")
    loaded, passes = focus.load_related(ctx.con, ctx.dataset_id, domains, one_pass)
    ctx.issues.warn(None, f"--related-only: kept {loaded:,} records in {passes} pass(es) over the file")
    return loaded


def _date_by_last_day(ctx: LoadContext) -> None:
    """A dump collected over several days is one snapshot, dated by its last day."""
    row = first_row(
        ctx.con.execute(
            "select min(observed_on), max(observed_on) from raw_dns_records where dataset_id = ?",
            [ctx.dataset_id],
        )
    )
    if not row or row[1] is None:
        return
    first, last = row
    ctx.snapshot_date = last
    if first != last:
        ctx.con.execute(
            "update raw_dns_records set observed_on = ? where dataset_id = ? and observed_on <> ?",
            [last, ctx.dataset_id, last],
        )
        ctx.issues.warn(None, f"records span {first} to {last}; the snapshot is dated {last}")


@contextmanager
def _fast_string_storage(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Write the records without DuckDB's FSST string compression, unless ANALYZER_DNS_COMPRESS=1.

    Compressing names and values costs more CPU than parsing them (on 20 M FDNS records: 41 s of
    CPU with it, 30 s without) for a 3x smaller raw_dns_records (about 15 instead of 45 bytes a
    record). Ingest speed wins by default; set ANALYZER_DNS_COMPRESS=1 when disk matters more.
    """
    if os.environ.get("ANALYZER_DNS_COMPRESS") == "1":
        yield
        return
    con.execute("set disabled_compression_methods = 'fsst,dict_fsst'")
    try:
        yield
    finally:
        # In a failed (aborted) transaction DuckDB refuses every statement; the setting then stays
        # for this connection, which only costs disk space.
        with contextlib.suppress(duckdb.Error):
            con.execute("reset disabled_compression_methods")


def _bulk(ctx: LoadContext, work: Callable[[], int]) -> int:
    size = ctx.path.stat().st_size
    quiet = bool(ctx.options.get("quiet"))
    try:
        with _fast_string_storage(ctx.con):
            return run_with_progress(ctx.con, ctx.path.name, size, quiet, work)
    except duckdb.Error as exc:
        if is_gzip(ctx.path) and "gzip" in str(exc).lower():
            raise SourceError(ctx.path, gzip_problem(ctx.path) or str(exc).splitlines()[0]) from exc
        raise


def ingest(ctx: LoadContext) -> int:
    """The `dns` kind: any of FORMATS, detected per file. A file without a single record (blank,
    an empty gzip, comments only) is refused rather than recorded as an empty snapshot."""
    loaded = _ingest(ctx)
    if loaded == 0 and not (ctx.issues.rejected or ctx.issues.warnings or ctx.options.get("related_only")):
        raise SourceError(
            ctx.path, f"holds no DNS records (read as {ctx.format}); nothing loaded, no dataset recorded"
        )
    return loaded


def _ingest(ctx: LoadContext) -> int:
    path = Path(ctx.path)
    if is_gzip(path):
        problem = None
        try:
            with open_text(path) as fh:
                fh.read(1 << 16)
        except (EOFError, OSError, zlib.error):
            problem = gzip_problem(path)
        if problem:
            raise SourceError(path, problem)
    fmt = detect(path)
    ctx.format = fmt
    # DuckDB prints its own bar to stdout for long queries; ours goes to stderr (and obeys --quiet).
    ctx.con.execute("set enable_progress_bar_print = false")
    date: dt.date | None = ctx.options.get("date")
    if fmt == "openintel":
        names = openintel.columns(ctx)
        observed = date or openintel.snapshot_date(ctx) or mtime_date(path)
        ctx.snapshot_date = observed
        loaded = _bulk(
            ctx,
            lambda: _passes(ctx, lambda f, c: openintel.load(ctx, observed, names, focus=f, count_rejects=c)),
        )
        openintel.count_unanswered(ctx)
        return loaded
    if fmt == "fdns":
        with open_text(path) as fh:
            fdns.audit_fields(ctx, fh.readline())

        def fdns_passes() -> int:
            with fdns.staged(ctx, mtime_date(path)) as source:
                return _passes(ctx, lambda f, c: fdns.load(ctx, source, focus=f, count_rejects=c))

        loaded = _bulk(ctx, fdns_passes)
        if date is None:
            _date_by_last_day(ctx)
        return loaded
    observed = date or mtime_date(path)
    ctx.snapshot_date = observed
    origin = path.name[: -len(".zone")] if path.name.lower().endswith(".zone") else None

    def text_pass(focus_mode: str | None, count_rejects: bool) -> int:
        writer = BatchWriter(ctx, observed, focus=focus_mode)
        if not count_rejects:  # later --related-only passes: rejects were counted in the first one
            saved = (ctx.issues.rejected, ctx.issues.warnings, list(ctx.issues.samples))
        if fmt == "csv":
            csvfile.load(ctx, writer)
        else:
            zonefile.load(ctx, writer, origin)
        loaded = writer.close()
        if not count_rejects:
            ctx.issues.rejected, ctx.issues.warnings, ctx.issues.samples = saved
        return loaded

    return _passes(ctx, text_pass)

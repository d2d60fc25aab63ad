"""`analyzer ingest dns PATH...`: detect the format of each file and load it into raw_dns_records.

One dataset row per file: a directory or a glob of OpenINTEL Parquet files is expanded into its files
(`expand_paths`), each loaded in its own transaction, so re-running over a day's folder skips the
files already loaded (same sha256) and a bad file stops only itself.

Every record of a file is dated with the snapshot date: `--date`, else the data's timestamps (the
last day they cover; OpenINTEL's are epoch ms, Rapid7's epoch seconds), else a date in the file name,
else (zone files) the SOA serial when it is a date (YYYYMMDDnn). A file none of these date is refused
with a message asking for `--date`: a DNS snapshot is never dated by the file's modification time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from analyzer.compression import CORRUPT_ERRORS, compression_of, corrupt_message, is_gzip
from analyzer.dns import csvfile, fdns, focus, openintel, zonefile
from analyzer.dns.load import BatchWriter
from analyzer.dns.progress import run_with_progress
from analyzer.errors import SourceError
from analyzer.ingest.base import LoadContext, date_in_name, gzip_problem, open_text
from analyzer.safe_text import shown
from analyzer.workspace import first_row

FORMATS = ("openintel", "fdns", "zone", "csv")


# The names a folder's DNS files have: OpenINTEL Parquet parts (a day's partition, or a tree of
# year=/month=/day= partitions), FDNS dumps, zone files and CSV exports, compressed or not.
SNAPSHOT_FILES = (
    "*.parquet",
    "*.json",
    "*.json.*",
    "*.jsonl*",
    "*.ndjson*",
    "*.zone",
    "*.zone.*",
    "*.csv",
    "*.csv.*",
)


def expand_snapshots(folder: Path) -> list[Path]:
    """The DNS files below `folder`, each loaded as its own dataset, in path order (partition
    folders `year=/month=/day=` and dated dump names sort by date); hidden files are left out. Each
    file is dated by its own records (or name), so a folder of days gives one snapshot per day."""
    found = {
        f
        for pattern in SNAPSHOT_FILES
        for f in folder.rglob(pattern)
        if f.is_file() and not any(part.startswith(".") for part in f.relative_to(folder).parts)
    }
    if not found:
        raise SourceError(
            folder,
            "directory holds no DNS files (OpenINTEL *.parquet, FDNS *.json[.gz], *.zone, *.csv)",
        )
    return sorted(found)


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files of the arguments: a directory gives its DNS files (expand_snapshots), a glob its
    matches; anything else is passed on as it is (load_file names a missing file)."""
    out: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            out.extend(expand_snapshots(path))
        elif not path.exists() and any(c in str(p) for c in "*?["):
            matches = sorted(Path(m) for m in glob.glob(str(p), recursive=True) if Path(m).is_file())
            if not matches:
                raise SourceError(p, "the pattern matches no file")
            out.extend(matches)
        else:
            out.append(path)
    return out


def prepare(paths: Iterable[str | Path], options: dict[str, Any]) -> tuple[list[Path], dict[str, Any]]:
    """A directory or glob of DNS files: one dataset per file; `--source` is the files' label."""
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


# write_bulk's date for a record that has none (sql: coalesce(observed_on, date '1970-01-01')).
_UNDATED = dt.date(1970, 1, 1)


def _refuse_undated(path: Path, why: str) -> SourceError:
    return SourceError(
        path, f"no snapshot date: {why}; pass --date YYYY-MM-DD (the date the records were collected)"
    )


def _date_by_last_day(ctx: LoadContext) -> None:
    """A dump collected over several days is one snapshot, dated by its last day; records without
    a timestamp take that date too. With no timestamp at all, a date in the file name dates it, else
    the file is refused."""
    row = first_row(
        ctx.con.execute(
            "select min(observed_on), max(observed_on), count(*) filter (where observed_on = ?) "
            "from raw_dns_records where dataset_id = ? and observed_on <> ?",
            [_UNDATED, ctx.dataset_id, _UNDATED],
        )
    )
    first, last = (row[0], row[1]) if row else (None, None)
    if last is not None:
        ctx.set_snapshot(last, "records")
    elif not ctx.set_snapshot(date_in_name(ctx.path.name), "file_name"):
        loaded = first_row(
            ctx.con.execute("select count(*) from raw_dns_records where dataset_id = ?", [ctx.dataset_id])
        )
        if loaded and loaded[0]:
            raise _refuse_undated(ctx.path, "no record has a timestamp and the file name has no date")
        return
    assert ctx.snapshot_date is not None
    changed = first_row(
        ctx.con.execute(
            "update raw_dns_records set observed_on = ? where dataset_id = ? and observed_on <> ?",
            [ctx.snapshot_date, ctx.dataset_id, ctx.snapshot_date],
        )
    )
    if first is not None and first != last:
        ctx.issues.warn(None, f"records span {first} to {last}; the snapshot is dated {last}")
    elif changed and changed[0] and last is not None:
        ctx.issues.warn(None, f"{changed[0]:,} records without a timestamp dated {last}")


def _text_snapshot(ctx: LoadContext, fmt: str) -> dt.date:
    """The date of a zone file or CSV export, known before its records are written: --date, else a
    date in the file name, else (zone files) the SOA serial when it is a date; else refused."""
    given: dt.date | None = ctx.options.get("date")
    if given is not None:
        return given
    if ctx.set_snapshot(date_in_name(ctx.path.name), "file_name"):
        assert ctx.snapshot_date is not None
        return ctx.snapshot_date
    if fmt == "zone":
        found = zonefile.soa_serial(ctx.path)
        if found and ctx.set_snapshot(zonefile.serial_date(found[0]), "soa_serial"):
            assert ctx.snapshot_date is not None
            return ctx.snapshot_date
        why = (
            f"the file name has no YYYYMMDD date and the SOA serial {found[0]} (line {found[1]}) is not "
            "a date (YYYYMMDDnn)"
            if found
            else "the file name has no YYYYMMDD date and the zone has no SOA record"
        )
    else:
        why = "a CSV export carries no dates and the file name has no YYYYMMDD date"
    raise _refuse_undated(ctx.path, why)


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
    """The `dns` kind: any of FORMATS, detected per file; records another file of the same source
    already loaded for the same snapshot date are not counted twice. A file without a single record
    (blank, an empty gzip, comments only) is refused rather than recorded as an empty snapshot."""
    loaded = _load(ctx)
    if loaded == 0 and not (ctx.issues.rejected or ctx.issues.warnings or ctx.options.get("related_only")):
        raise SourceError(
            ctx.path, f"holds no DNS records (read as {ctx.format}); nothing loaded, no dataset recorded"
        )
    return loaded - _drop_repeats(ctx)


def _drop_repeats(ctx: LoadContext) -> int:
    """Two files claiming the same snapshot of the same source (same label, same date: a dump loaded
    again from another copy, a re-exported partition) are one snapshot: this file's records that an
    earlier file of that snapshot holds are removed (parts of a snapshot, such as a day's Parquet
    files or Rapid7's per-type dumps, hold different records and keep them all)."""
    day = ctx.options.get("date") or ctx.snapshot_date
    others = ctx.con.execute(
        "select dataset_id from datasets where kind = 'dns' and status = 'loaded' and dataset_id <> ? "
        "and coalesce(label, '') = ? and snapshot_date = ? order by dataset_id",
        [ctx.dataset_id, ctx.label or "", day],
    ).fetchall()
    if day is None or not others:
        return 0
    ids = [r[0] for r in others]
    row = first_row(
        ctx.con.execute(
            """
            delete from raw_dns_records as n
            where n.dataset_id = ?
                and exists (
                    select 1
                    from raw_dns_records as o
                    where o.dataset_id in (select unnest(?::integer[]))
                        and o.observed_on = n.observed_on
                        and o.name = n.name
                        and o.rtype = n.rtype
                        and o.value = n.value
                        and o.preference is not distinct from n.preference
                )
            """,
            [ctx.dataset_id, ids],
        )
    )
    repeated = int(row[0]) if row else 0
    if repeated:
        source = f"source {shown(ctx.label)}" if ctx.label else "unnamed source"
        ids_text = ", ".join(str(i) for i in ids)
        ctx.issues.warn(
            None,
            f"{repeated:,} records already loaded for the snapshot {day} of the {source} "
            f"(dataset {ids_text}): counted once, not loaded again",
        )
    return repeated


def _load(ctx: LoadContext) -> int:
    """One DNS file of any of FORMATS into raw_dns_records."""
    path = Path(ctx.path)
    if compression_of(path) is not None:
        problem = None
        try:
            with open_text(path) as fh:
                fh.read(1 << 16)
        except (*CORRUPT_ERRORS, OSError) as exc:
            problem = (gzip_problem(path) if is_gzip(path) else None) or corrupt_message(path, exc)
        if problem:
            raise SourceError(path, problem)
    fmt = detect(path)
    ctx.format = fmt
    # DuckDB prints its own bar to stdout for long queries; ours goes to stderr (and obeys --quiet).
    ctx.con.execute("set enable_progress_bar_print = false")
    date: dt.date | None = ctx.options.get("date")
    if fmt == "openintel":
        names = openintel.columns(ctx)
        observed = date
        if observed is None:
            ctx.set_snapshot(openintel.snapshot_date(ctx, names), "records")
            if ctx.snapshot_date is None:
                raise _refuse_undated(path, "no answered row has a timestamp")
            observed = ctx.snapshot_date
        loaded = _bulk(
            ctx,
            lambda: _passes(ctx, lambda f, c: openintel.load(ctx, observed, names, focus=f, count_rejects=c)),
        )
        openintel.count_unanswered(ctx, names)
        return loaded
    if fmt == "fdns":
        with open_text(path) as fh:
            fdns.audit_fields(ctx, fh.readline())

        def fdns_passes() -> int:
            with fdns.staged(ctx, None) as source:
                return _passes(ctx, lambda f, c: fdns.load(ctx, source, focus=f, count_rejects=c))

        loaded = _bulk(ctx, fdns_passes)
        if date is None:
            _date_by_last_day(ctx)
        return loaded
    if fmt == "csv":
        csvfile.check_shape(ctx)
    observed = _text_snapshot(ctx, fmt)
    origin = zonefile.origin_from_name(path)

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

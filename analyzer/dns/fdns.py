"""Rapid7 Sonar FDNS: gzipped JSON lines `{"timestamp": "1640995200", "name", "type", "value"}`.

DuckDB's read_ndjson parses the file (explicit columns, no type guessing) straight into the INSERT;
a malformed line becomes an all-null row (ignore_errors) that is rejected and counted. Only when
there are such lines is the file read again in Python, to name their line numbers.

Measured alternative, not kept: inflating the .gz in a Python thread into plain 64 MiB chunks for
DuckDB to parse used more CPU and ran ~2x slower than DuckDB reading the .gz itself, whose scan
already feeds normalisation and the insert on both cores.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import queue
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from analyzer import settings
from analyzer.compression import duckdb_readable
from analyzer.dns.load import write_bulk
from analyzer.ingest.base import MAX_STORED_ISSUES, LoadContext, open_text
from analyzer.safe_text import shown

FIELDS = ("timestamp", "name", "type", "value")

READ = """
    select
        timestamp,
        name,
        type,
        value
    from read_ndjson(
        ?,
        -- named, not guessed from the path: DuckDB's guess ignores what follows a '?' in a file name
        compression = ?,
        columns = {timestamp: 'varchar', name: 'varchar', type: 'varchar', value: 'varchar'},
        format = 'newline_delimited',
        ignore_errors = true
    )
"""

# The raw columns as the normaliser wants them; `{relation}` is READ or the staging table.
SOURCE = """
    select
        coalesce(
            ?::date,
            -- epoch seconds to their UTC day by arithmetic: to_timestamp()::date goes through the
            -- session's time zone (ICU), a third of the parse's cost, and the local day, not UTC's.
            -- Outside 1990-2100 a timestamp is no date (the fallback below), not a conversion error.
            case when try_cast(timestamp as bigint) between 631152000 and 4102444799
                then date '1970-01-01' + cast(try_cast(timestamp as bigint) // 86400 as integer)
            end,
            ?::date
        ) as observed_on,
        name,
        type as rtype,
        value,
        null::integer as preference,
        null::integer as ttl
    from {relation}
"""


def audit_fields(ctx: LoadContext, first_line: str) -> None:
    """Report fields of the first record that we do not load, once per file."""
    try:
        record = json.loads(first_line)
    except ValueError:
        return
    if isinstance(record, dict):
        for key in sorted(record.keys() - set(FIELDS)):
            ctx.issues.warn_once(f"field:{key}", f"unexpected field {shown(key)} (not loaded)", 1)


# Records per staged batch of a .gz: about 100 MB of Arrow strings, so memory stays bounded
# however large the file (the whole file staged at once took 3.5 GiB at 20 M records).
BATCH_ROWS = 1_000_000
_STAGE = "dns_fdns_stage"


@dataclass
class Source:
    """The relation to load from (SQL and parameters), once or once per staged batch (`many`)."""

    sql: str
    params: list[Any] | Iterable[list[Any]]
    many: bool = False


@contextmanager
def staged(ctx: LoadContext, fallback_date: dt.date) -> Iterator[Source]:
    """The relation to load from, for every pass over the file.

    A .gz is decompressed and parsed by DuckDB in one thread (gzip cannot be split), so it is
    streamed out in Arrow batches of BATCH_ROWS records by a reader thread while the main thread
    normalises and inserts the previous batch on the other core: the two halves of the work
    overlap and memory holds two batches, not the file. --related-only, which reads the records
    once per pass, stages the whole file in a temporary table instead.
    """
    dates: list[Any] = [ctx.options.get("date"), fallback_date]
    with duckdb_readable(ctx.path) as (path, compression):
        if compression == "none":  # plain JSON lines are parsed in parallel straight from the file
            yield Source(SOURCE.format(relation=f"({READ})"), [*dates, path, compression])
            return
        if not ctx.options.get("related_only"):
            yield Source(SOURCE.format(relation=_STAGE), _stream(ctx, [path, compression], dates), many=True)
            return
        ctx.con.execute(f"create or replace temp table {_STAGE} as {READ}", [path, compression])
    try:
        yield Source(SOURCE.format(relation=_STAGE), dates)
    finally:
        with contextlib.suppress(duckdb.Error):  # an aborted transaction refuses it; rollback drops it
            ctx.con.execute(f"drop table if exists {_STAGE}")


def _stream(ctx: LoadContext, read_params: list[Any], dates: list[Any]) -> Iterator[list[Any]]:
    """Register each batch of the parsed file as the stage, then yield the INSERT's parameters."""
    batches: queue.Queue[pa.RecordBatch | BaseException | None] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def read() -> None:
        # A DuckDB of its own, one thread: the parse never waits for the loader's worker threads
        cur = None
        try:
            cur = duckdb.connect(config={**settings.OFFLINE, "threads": "1"})
            cur.execute("set enable_progress_bar = false")
            for batch in cur.sql(READ, params=read_params).to_arrow_reader(BATCH_ROWS):
                if stop.is_set():
                    return
                batches.put(batch)
        except BaseException as exc:  # re-raised in the loading thread
            batches.put(exc)
        finally:
            if cur is not None:
                cur.close()
            batches.put(None)

    reader = threading.Thread(target=read, name="fdns-reader", daemon=True)
    reader.start()
    try:
        while (item := batches.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            ctx.con.register(_STAGE, item)
            yield dates
    finally:
        stop.set()
        while reader.is_alive():  # unblock a reader waiting on a full queue
            with contextlib.suppress(queue.Empty):
                batches.get(timeout=0.1)
        with contextlib.suppress(duckdb.Error):
            ctx.con.unregister(_STAGE)


def load(
    ctx: LoadContext,
    source: Source,
    *,
    focus: str | None = None,
    count_rejects: bool = True,
) -> int:
    """One pass over the staged file into raw_dns_records (focus: see load.FOCUS_SQL)."""
    before = ctx.issues.rejected
    loaded = write_bulk(
        ctx, source.sql, source.params, focus=focus, count_rejects=count_rejects, many=source.many
    )
    malformed = [s for s in ctx.issues.samples if s[2].startswith("malformed")]
    if count_rejects and ctx.issues.rejected > before and malformed:
        _locate_malformed(ctx)
    return loaded


def _locate_malformed(ctx: LoadContext) -> None:
    """Replace the line-less 'malformed' samples by ones naming each bad line (a slow second read,
    done only for files that have such lines)."""
    ctx.issues.samples = [s for s in ctx.issues.samples if not s[2].startswith("malformed")]
    with open_text(Path(ctx.path)) as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                problem = None if isinstance(record, dict) else "not a JSON object"
                if problem is None and any(record.get(f) is None for f in ("name", "type", "value")):
                    problem = "record without name, type or value"
            except ValueError as exc:
                problem = f"malformed JSON: {exc}"
            if problem and len(ctx.issues.samples) < MAX_STORED_ISSUES:
                ctx.issues.samples.append((number, "rejected", problem))

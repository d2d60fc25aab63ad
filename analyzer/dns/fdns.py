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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from analyzer.compression import duckdb_readable
from analyzer.dns.load import write_bulk
from analyzer.ingest.base import MAX_STORED_ISSUES, LoadContext, open_text

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
            to_timestamp(try_cast(timestamp as bigint))::date,
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
            ctx.issues.warn_once(f"field:{key}", f"unexpected field {key!r} (not loaded)", 1)


@contextmanager
def staged(ctx: LoadContext, fallback_date: dt.date | None) -> Iterator[tuple[str, list[Any]]]:
    """The relation to load from, as (SQL, parameters), for every pass over the file.

    A .gz is parsed once into a temporary table: DuckDB scans a gzip file in one thread and would run
    the normalisation and the insert in that same thread; from the staged table both use every core
    (20 M records: 19 s instead of 26 s, scripts/bench_dns_ingest.py), and the extra passes of
    --related-only read the table instead of inflating the file again.
    """
    dates: list[Any] = [ctx.options.get("date"), fallback_date]
    with duckdb_readable(ctx.path) as (path, compression):
        if compression == "none":  # plain JSON lines are parsed in parallel straight from the file
            yield SOURCE.format(relation=f"({READ})"), [*dates, path, compression]
            return
        # Only the parsed strings are staged: every computation runs later, on all cores.
        ctx.con.execute(f"create or replace temp table dns_fdns_stage as {READ}", [path, compression])
    try:
        yield SOURCE.format(relation="dns_fdns_stage"), dates
    finally:
        with contextlib.suppress(duckdb.Error):  # an aborted transaction refuses it; rollback drops it
            ctx.con.execute("drop table if exists dns_fdns_stage")


def load(
    ctx: LoadContext,
    source: tuple[str, list[Any]],
    *,
    focus: str | None = None,
    count_rejects: bool = True,
) -> int:
    """One pass over the staged file into raw_dns_records (focus: see load.FOCUS_SQL)."""
    before = ctx.issues.rejected
    loaded = write_bulk(ctx, source[0], source[1], focus=focus, count_rejects=count_rejects)
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

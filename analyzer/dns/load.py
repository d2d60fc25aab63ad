"""Writing normalised records into `raw_dns_records`: the bulk path (one INSERT ... SELECT per file)
and the batch path (Arrow batches from the Python parsers of zone files and CSV, with line numbers).

Bulk path and rejects: counting rejected rows in a separate pass would read a multi-GB dump twice,
so bad records are inserted in the same pass with `rtype = '!'`-marked rows, then sampled, counted
and deleted before the file's transaction commits; no view ever sees them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import duckdb
import pyarrow as pa

from analyzer.dns.normalize import normalized_sql, prepare
from analyzer.ingest.base import MAX_STORED_ISSUES, LoadContext
from analyzer.workspace import first_row

# Focus filters (see focus.py): names under the linked registrable domains, or exact target names.
FOCUS_SQL = {
    None: "true",
    "domains": """(
        name in (select domain from dns_focus_domains_tmp)
        or regexp_extract(name, '[^.]+\\.[^.]+$') in (select domain from dns_focus_domains_tmp)
        or regexp_extract(name, '[^.]+\\.[^.]+\\.[^.]+$') in (select domain from dns_focus_domains_tmp)
        or regexp_extract(name, '[^.]+(\\.[^.]+){3}$') in (select domain from dns_focus_domains_tmp)
        or regexp_extract(name, '[^.]+(\\.[^.]+){4}$') in (select domain from dns_focus_domains_tmp)
    )""",
    "names": "name in (select name from dns_focus_names_tmp)",
}

_INSERT_COLUMNS = "dataset_id, observed_on, name, rtype, value, preference, ttl"


def write_bulk(
    ctx: LoadContext,
    source: str,
    params: Sequence[Any] | Iterable[Sequence[Any]],
    *,
    focus: str | None = None,
    count_rejects: bool = True,
    many: bool = False,
) -> int:
    """INSERT the normalised records of `source`; returns rows loaded (rejects are reported).

    With `many`, `params` is an iterable of parameter lists (e.g. one per decompressed chunk of a
    file), each run as its own INSERT; rejects are collected once at the end.
    """
    prepare(ctx.con)
    keep = FOCUS_SQL[focus]
    marked = "problem is not null" if count_rejects else "false"
    sql = f"""
        insert into raw_dns_records ({_INSERT_COLUMNS})
        select
            ?,
            coalesce(observed_on, date '1970-01-01'),
            case when problem is null then name else coalesce(left(raw_name, 300), '') end,
            case when problem is null then rtype else '!' || problem end,
            case when problem is null then value else '' end,
            preference,
            ttl
        from ({normalized_sql(source)})
        where (problem is null and {keep}) or {marked}
    """  # noqa: S608 - fixed SQL fragments; data comes in as parameters
    inserted = 0
    for one in params if many else [params]:
        row = first_row(ctx.con.execute(sql, [ctx.dataset_id, *one]))
        inserted += int(row[0]) if row else 0
    rejected = _collect_marked(ctx) if count_rejects else 0
    return inserted - rejected


def _collect_marked(ctx: LoadContext) -> int:
    """Report the '!'-marked rows of this dataset as rejected records, then delete them."""
    con = ctx.con
    where = "dataset_id = ? and starts_with(rtype, '!')"
    count_sql = f"select count(*) from raw_dns_records where {where}"  # noqa: S608 - fixed fragment
    count_row = first_row(con.execute(count_sql, [ctx.dataset_id]))
    count = int(count_row[0]) if count_row else 0
    if not count:
        return 0
    samples = con.execute(
        f"select rtype from raw_dns_records where {where} limit ?",  # noqa: S608
        [ctx.dataset_id, MAX_STORED_ISSUES],
    ).fetchall()
    for (marker,) in samples:
        ctx.issues.reject(None, marker[1:])
    # Counted in full, but only the first MAX_STORED_ISSUES are stored with their message.
    ctx.issues.rejected += count - len(samples)
    con.execute(f"delete from raw_dns_records where {where}", [ctx.dataset_id])  # noqa: S608
    return count


BATCH_SCHEMA = pa.schema(
    [
        ("line", pa.int64()),
        ("observed_on", pa.date32()),
        ("name", pa.string()),
        ("rtype", pa.string()),
        ("value", pa.string()),
        ("preference", pa.int32()),
        ("ttl", pa.int32()),
    ]
)


class BatchWriter:
    """Collects records parsed in Python and writes them in Arrow batches, with line numbers kept
    for the rejected ones; memory stays at one batch however long the file."""

    def __init__(
        self, ctx: LoadContext, observed_on: dt.date, *, focus: str | None = None, size: int = 100_000
    ):
        self.ctx = ctx
        self.observed_on = observed_on
        self.focus = focus
        self.size = size
        self.loaded = 0
        self._cols: dict[str, list[Any]] = {f.name: [] for f in BATCH_SCHEMA}
        prepare(ctx.con)

    def add(
        self,
        line: int,
        name: str,
        rtype: str,
        value: str,
        preference: int | None = None,
        ttl: int | None = None,
    ) -> None:
        c = self._cols
        c["line"].append(line)
        c["observed_on"].append(self.observed_on)
        c["name"].append(name)
        c["rtype"].append(rtype)
        c["value"].append(value)
        c["preference"].append(preference)
        c["ttl"].append(ttl)
        if len(c["line"]) >= self.size:
            self.flush()

    def flush(self) -> None:
        if not self._cols["line"]:
            return
        batch = pa.table(self._cols, schema=BATCH_SCHEMA)
        self._cols = {f.name: [] for f in BATCH_SCHEMA}
        con = self.ctx.con
        con.register("dns_batch_tmp", batch)
        try:
            source = "select * from dns_batch_tmp"
            checked = normalized_sql(source, ("line",))
            bad = con.execute(
                f"select line, problem from ({checked}) where problem is not null order by line"  # noqa: S608
            ).fetchall()
            for line, problem in bad:
                self.ctx.issues.reject(line, problem)
            row = first_row(
                con.execute(
                    f"""insert into raw_dns_records ({_INSERT_COLUMNS})
                select ?, observed_on, name, rtype, value, preference, ttl
                from ({normalized_sql(source)})
                where problem is null and {FOCUS_SQL[self.focus]}""",  # noqa: S608
                    [self.ctx.dataset_id],
                )
            )
            self.loaded += int(row[0]) if row else 0
        finally:
            # If the transaction failed, the error that matters is already on its way up.
            with contextlib.suppress(duckdb.Error):
                con.unregister("dns_batch_tmp")

    def close(self) -> int:
        self.flush()
        return self.loaded

"""OpenINTEL forward-DNS Parquet (`*.gz.parquet`): one row per resource record, sparse columns.

Schema (openintel.nl/background/dictionary): `query_name, query_type, response_name, response_type,
response_ttl, timestamp` (epoch ms) and one value column per record type (`ip4_address, ip6_address,
cname_name, mx_address` + `mx_preference`, `ns_address, txt_text, soa_mname, soa_rname, ...`), the
others null. A CNAME chain is one row per hop, each with its own `response_name`, so the owner of a
record is `response_name`, not `query_name`. Rows without an answer (NXDOMAIN: response_type null)
are skipped and counted in a warning; so are rows whose `status_code` is 65533 or above: those are
OpenINTEL's codes for its own measurement failures (timeouts, errors), not DNS answers, whatever
else the row holds. The snapshot date is the rows' `timestamp` (the latest day among the answered
rows), never the partition folder the file came from.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq

from analyzer.dns.load import write_bulk
from analyzer.errors import SourceError
from analyzer.ingest.base import LoadContext
from analyzer.workspace import first_row

REQUIRED = (
    "response_name",
    "response_type",
    "timestamp",
    "ip4_address",
    "ip6_address",
    "cname_name",
    "mx_address",
    "ns_address",
)
# status_code values from this one up are measurement failures, not DNS response codes.
FAILED_STATUS = 65533

# response_type -> the SQL giving its value from the columns of that type (used when present).
VALUE_COLUMNS: dict[str, tuple[str, ...]] = {
    "A": ("ip4_address",),
    "AAAA": ("ip6_address",),
    "CNAME": ("cname_name",),
    "DNAME": ("dname_name",),
    "MX": ("mx_address",),
    "NS": ("ns_address",),
    "PTR": ("ptr_name",),
    "TXT": ("txt_text",),
    "SPF": ("spf_text",),
    "SOA": ("soa_mname", "soa_rname", "soa_serial", "soa_refresh", "soa_retry", "soa_expire", "soa_minimum"),
    "CAA": ("caa_flags", "caa_tag", "caa_value"),
    "DS": ("ds_key_tag", "ds_algorithm", "ds_digest_type", "ds_digest"),
}


def columns(ctx: LoadContext) -> set[str]:
    """The file's column names; a missing required one, or a column of the wrong type (a list where
    the dictionary has a string, a string `timestamp`), stops the file with its name."""
    try:
        schema = pq.read_schema(ctx.path)
    except Exception as exc:  # pyarrow raises ArrowInvalid/OSError for a damaged file
        raise SourceError(ctx.path, f"not a readable Parquet file: {exc}") from exc
    names = set(schema.names)
    for col in REQUIRED:
        if col not in names:
            raise SourceError(
                ctx.path,
                f"missing required column {col!r}; expected the OpenINTEL schema "
                f"({', '.join(REQUIRED)}, ...)",
            )
    used = {"response_name", "response_type", "query_name"} | {c for cs in VALUE_COLUMNS.values() for c in cs}
    for f in schema:
        nested = pa.types.is_nested(f.type)
        if f.name == "timestamp" and not pa.types.is_integer(f.type):
            raise SourceError(
                ctx.path, f"column 'timestamp' is {f.type}, expected epoch milliseconds (int64)"
            )
        if f.name in used and nested:
            raise SourceError(ctx.path, f"column {f.name!r} is {f.type}, expected a string or a number")
    return names


# Epoch milliseconds of 1990-01-01 and 2100-01-01: a timestamp outside is not a DNS measurement.
_TS_BOUNDS = (631152000000, 4102444800000)


def _value_sql(names: set[str]) -> str:
    branches = []
    for rtype, cols in VALUE_COLUMNS.items():
        present = [c for c in cols if c in names]
        if present:
            # quote_ident is not needed: the names come from the fixed table above
            parts = " || ' ' || ".join(f"coalesce({c}::varchar, '')" for c in present)
            branches.append(f"when '{rtype}' then rtrim({parts})")
    return f"case upper(response_type) {' '.join(branches)} else '' end"


def answered(names: set[str]) -> str:
    """The WHERE condition of the rows that are answers (fixed SQL over the file's columns)."""
    failed = f" and coalesce(status_code, 0) < {FAILED_STATUS}" if "status_code" in names else ""
    return f"response_type is not null{failed}"


def snapshot_date(ctx: LoadContext, names: set[str]) -> dt.date | None:
    """The latest day of the answered rows' timestamps (epoch ms), None when no row has one; a
    timestamp that is no plausible epoch-ms time stops the file naming its row."""
    bad = first_row(
        ctx.con.execute(
            "select file_row_number + 1, timestamp from read_parquet(?, file_row_number = true) "
            "where timestamp not between ? and ? order by file_row_number limit 1",
            [ctx.duckdb_path, *_TS_BOUNDS],
        )
    )
    if bad:
        raise SourceError(
            ctx.path,
            f"row {bad[0]:,}: timestamp {bad[1]} is not epoch milliseconds between 1990 and 2100",
        )
    row = first_row(
        ctx.con.execute(
            f"select max(timestamp) from read_parquet(?) where {answered(names)}",  # noqa: S608
            [ctx.duckdb_path],
        )
    )
    if not row or row[0] is None:
        return None
    return dt.datetime.fromtimestamp(int(row[0]) / 1000, tz=dt.UTC).date()


def load(
    ctx: LoadContext,
    observed_on: dt.date,
    names: set[str],
    *,
    focus: str | None = None,
    count_rejects: bool = True,
) -> int:
    owner = "coalesce(response_name, query_name)" if "query_name" in names else "response_name"
    pref = "mx_preference" if "mx_preference" in names else "null"
    ttl = "response_ttl" if "response_ttl" in names else "null"
    source = f"""
        select
            ?::date as observed_on,
            {owner} as name,
            response_type as rtype,
            {_value_sql(names)} as value,
            try_cast({pref} as integer) as preference,
            try_cast({ttl} as integer) as ttl
        from read_parquet(?)
        where {answered(names)}
    """  # noqa: S608 - column names come from the fixed tables above
    return write_bulk(ctx, source, [observed_on, ctx.duckdb_path], focus=focus, count_rejects=count_rejects)


def count_unanswered(ctx: LoadContext, names: set[str]) -> None:
    """Warn once about the rows that are no answers: measurement failures, then the unanswered."""
    failed = f"coalesce(status_code, 0) >= {FAILED_STATUS}" if "status_code" in names else "false"
    row = first_row(
        ctx.con.execute(
            f"select count(*) filter (where {failed}), "  # noqa: S608 - fixed SQL
            f"count(*) filter (where not ({failed}) and response_type is null) from read_parquet(?)",
            [ctx.duckdb_path],
        )
    )
    if row and row[0]:
        ctx.issues.warn(
            None,
            f"{row[0]:,} rows are measurement failures (status_code >= {FAILED_STATUS}), not answers; skipped",
        )
    if row and row[1]:
        ctx.issues.warn(None, f"{row[1]:,} rows without an answer record (NXDOMAIN, timeout) skipped")

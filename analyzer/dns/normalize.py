"""Normalising DNS records in SQL: lowercase, no trailing dot, IDNA, and the reasons a record is rejected.

Every format yields a relation of raw columns (`observed_on, name, rtype, value, preference, ttl`);
`normalized_sql` wraps it in one SELECT that applies the rules of sql/05_raw_dns.sql (cleaned names
and values, the problem of each bad record), so the bulk path never touches rows in Python. Only
names with non-ASCII characters (rare) reach the `dns_idna` Python UDF, which DuckDB calls on those
rows alone (CASE evaluates lazily).
"""

from __future__ import annotations

import weakref

import duckdb
import duckdb.func
import idna
import pyarrow as pa

# The one rule that needs Python (IDNA for non-ASCII names), so a temporary macro beside the UDF;
# every other rule is a macro in sql/05_raw_dns.sql.
_MACROS = """
create or replace temp macro dns_name(x) as
    case
        when x is null then null
        -- (trim/rtrim cost 5x more than this on 20 M rows; one trailing dot is all a name has)
        when strlen(x) = length(x) then lower(case when ends_with(x, '.') then left(x, -1) else x end)
        else {udf}(x)
    end;
"""

# The UDF's name per connection. A UDF registered inside a transaction that is then rolled back (a
# refused file) leaves DuckDB unable to register that name again on the connection ("already
# created") although it no longer exists: the next registration takes a fresh name.
_UDF_NAMES: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, str] = weakref.WeakKeyDictionary()


def _idna_label(label: str) -> str:
    if label.isascii():
        return label.lower()
    return idna.encode(label, uts46=True).decode("ascii")


def _to_idna(names: pa.Array) -> pa.Array:
    """Unicode names to punycode, label by label (so `_dmarc` or `*` labels survive); None if invalid."""
    out: list[str | None] = []
    for value in names.to_pylist():
        if value is None:
            out.append(None)
            continue
        try:
            host = value.strip().rstrip(".")
            out.append(".".join(_idna_label(label) for label in host.split(".")))
        except (idna.IDNAError, UnicodeError, ValueError):
            out.append(None)
    return pa.array(out, pa.string())


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Register the IDNA UDF (once per connection) and the dns_name() temp macro around it."""
    name = _UDF_NAMES.get(con, "dns_idna")
    exists = con.execute("select count(*) from duckdb_functions() where function_name = ?", [name]).fetchall()
    attempt = 0
    while not exists[0][0]:
        try:
            con.create_function(
                name,
                _to_idna,
                [duckdb.sqltype("VARCHAR")],
                duckdb.sqltype("VARCHAR"),
                type=duckdb.func.ARROW,
                null_handling=duckdb.func.SPECIAL,
                side_effects=False,
            )
            break
        except duckdb.NotImplementedException:  # lost with a rolled-back transaction: a fresh name
            attempt += 1
            name = f"dns_idna_{attempt}"
    _UDF_NAMES[con] = name
    con.execute(_MACROS.format(udf=name))


def normalized_sql(source: str, passthrough: tuple[str, ...] = ()) -> str:
    """SELECT over `source` giving normalised records plus `problem` (null when the record is good).

    `source` must yield: observed_on date, name, rtype, value varchar, preference, ttl integer;
    `passthrough` names further columns of it to keep (e.g. `line`).
    """
    kept = "".join(f"{col},\n        " for col in passthrough)
    return f"""
with src as ({source}),

typed as (
    select
        *,
        upper(rtype) as rt,
        dns_mx_parts(upper(rtype), value, preference) as mx
    from src
),

cleaned as (
    select
        {kept}observed_on,
        name as raw_name,
        value as raw_value,
        rt as rtype,
        dns_owner(name, dns_name(name)) as name,
        case
            when rt = 'MX' and mx.host <> '' then dns_name(mx.host)
            when dns_is_name_valued(rt) then dns_name(value)
            else dns_text_value(rt, value)
        end as value,
        coalesce(preference, try_cast(nullif(mx.pref, '') as integer)) as preference,
        ttl
    from typed
),

final as (
    select
        *,
        dns_record_problem(raw_name, rtype, raw_value, name, value) as problem
    from cleaned
)

select * from final
"""  # noqa: S608 - fixed SQL around the caller's source relation

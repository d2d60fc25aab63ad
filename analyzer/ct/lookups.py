"""Per-distinct-value caches filled at ingest: certificate name -> registrable domain (PSL) and
subject organisation -> comparable forms (analyzer.names). Computed once per new value, in Python,
then joined in SQL; never once per certificate row."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from analyzer.domains import registrable_domain
from analyzer.names import match_blocks, match_key, normalize_name

# Registrable domains depend only on a name's last labels: no PSL rule has more than 5 labels.
_TAIL_LABELS = 6


def registrable_many(names: list[str]) -> list[str | None]:
    """registrable_domain for many names, memoised on each name's last labels."""
    memo: dict[str, str | None] = {}
    out: list[str | None] = []
    for name in names:
        labels = name.removeprefix("*.").split(".")
        tail = ".".join(labels[-_TAIL_LABELS:])
        if tail not in memo:
            memo[tail] = registrable_domain(tail)
        result = memo[tail]
        if result is not None and result.count(".") + 1 >= _TAIL_LABELS:
            result = registrable_domain(name)  # longer than the memo key could decide
        out.append(result)
    return out


def fill_name_domains(
    con: duckdb.DuckDBPyConnection, source_sql: str, params: dict[str, object] | None = None
) -> int:
    """Add the names `source_sql` yields (one varchar column `name`) that are not cached yet."""
    names = con.execute(
        f"select distinct s.name from ({source_sql}) as s "  # noqa: S608 - fixed SQL from this package
        "anti join ct_name_domains as c on c.name = s.name where s.name is not null",
        params or {},
    ).fetchall()
    if not names:
        return 0
    plain = [n[0] for n in names]
    table = pa.table({"name": plain, "domain": registrable_many(plain)})
    con.register("_ct_new_names", table)
    try:
        con.execute("insert into ct_name_domains select name, domain from _ct_new_names")
    finally:
        con.unregister("_ct_new_names")
    return len(plain)


def fill_org_names(con: duckdb.DuckDBPyConnection, source_sql: str) -> int:
    """Add the subject organisations `source_sql` yields (column `subject_o`) not cached yet."""
    orgs = con.execute(
        f"select distinct s.subject_o from ({source_sql}) as s "  # noqa: S608 - fixed SQL
        "anti join ct_org_names as c on c.subject_o = s.subject_o where s.subject_o is not null"
    ).fetchall()
    if not orgs:
        return 0
    values = [o[0] for o in orgs]
    keys = [match_key(o) for o in values]
    table = pa.table(
        {
            "subject_o": values,
            "normalized": [normalize_name(o) for o in values],
            "match_key": keys,
            "blocks": [match_blocks(k) for k in keys],
        }
    )
    con.register("_ct_new_orgs", table)
    try:
        con.execute(
            "insert into ct_org_names select subject_o, normalized, match_key, blocks from _ct_new_orgs"
        )
    finally:
        con.unregister("_ct_new_orgs")
    return len(values)

"""Per-distinct-value caches filled at ingest: certificate name -> registrable domain and subject
organisation -> comparable forms (analyzer.names). Registrable domains are computed by the SQL
macro `registrable_domain` (sql/03), so millions of names never pass through Python; organisation
names are few and are normalised in Python."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from analyzer.names import match_blocks, match_key, normalize_name


def fill_name_domains(
    con: duckdb.DuckDBPyConnection, source_sql: str, params: dict[str, object] | None = None
) -> None:
    """Add the registrable domain of each name `source_sql` yields (a lowercase, validated varchar
    column `name`; a leading "*." is allowed) that is not cached yet."""
    con.execute(
        f"""
        insert into ct_name_domains
        select
            name,
            registrable_domain(if(starts_with(name, '*.'), name[3:], name)) as domain
        from (
            select distinct s.name
            from ({source_sql}) as s
            anti join ct_name_domains as c on c.name = s.name
            where s.name is not null
        )
        """,  # noqa: S608 - the caller's fixed SQL; values are parameters
        params or {},
    )


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

"""`--related-only`: keep the names under the registrable domains linked to watchlist entities, the
CNAME/MX/NS targets they lead to, and those targets' own records (their addresses, further CNAMEs).

The linked domains come from ONE query, FOCUS_DOMAINS_SQL: `entity_domains` (the CT capability's
view, which includes the watchlist-named domains) when it exists, else `entity_known_domains`.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from analyzer.domains import registrable_domain
from analyzer.workspace import first_row

FOCUS_DOMAINS_SQL = {
    "entity_domains": "select distinct domain from entity_domains where domain is not null",
    "entity_known_domains": "select distinct domain from entity_known_domains where domain is not null",
}
# A CNAME chain longer than this is reported as too deep anyway (sql/23_int_name_chains.sql).
MAX_PASSES = 17


def linked_domains(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Registrable domains (eTLD+1) of every domain linked to a watchlist entity."""
    views = {r[0] for r in con.execute("select view_name from duckdb_views() where not internal").fetchall()}
    source = "entity_domains" if "entity_domains" in views else "entity_known_domains"
    domains = {registrable_domain(d) for (d,) in con.execute(FOCUS_DOMAINS_SQL[source]).fetchall()}
    return sorted(d for d in domains if d)


def load_related(
    con: duckdb.DuckDBPyConnection,
    dataset_id: int,
    domains: list[str],
    one_pass: Callable[[str, bool], int],
) -> tuple[int, int]:
    """Run `one_pass(focus, count_rejects)` over the file: first for the linked domains, then for
    each new generation of targets until none is left. Returns (rows loaded, passes)."""
    con.execute("create or replace temp table dns_focus_domains_tmp (domain varchar)")
    con.execute("create or replace temp table dns_focus_names_tmp (name varchar)")
    con.execute("create or replace temp table dns_focus_seen_tmp (name varchar)")
    if domains:
        con.executemany("insert into dns_focus_domains_tmp values (?)", [(d,) for d in domains])
    loaded = one_pass("domains", True)
    passes = 1
    while passes < MAX_PASSES:
        # Targets of the records loaded so far that are neither under a linked domain nor searched yet.
        con.execute("insert into dns_focus_seen_tmp select name from dns_focus_names_tmp")
        con.execute("delete from dns_focus_names_tmp")
        con.execute(
            """
            insert into dns_focus_names_tmp
            select distinct r.value
            from raw_dns_records as r
            where r.dataset_id = ?
                and r.rtype in ('CNAME', 'MX', 'NS', 'DNAME', 'SRV')
                and r.value not in (select name from dns_focus_seen_tmp)
                and r.value not in (select name from raw_dns_records where dataset_id = ?)
            """,
            [dataset_id, dataset_id],
        )
        row = first_row(con.execute("select count(*) from dns_focus_names_tmp"))
        if not row or not row[0]:
            break
        loaded += one_pass("names", False)
        passes += 1
    for table in ("dns_focus_domains_tmp", "dns_focus_names_tmp", "dns_focus_seen_tmp"):
        con.execute(f"drop table if exists {table}")
    return loaded, passes

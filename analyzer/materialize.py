"""Shared views computed once per statement group instead of once per reader.

DuckDB inlines a view into every query that reads it: int_domain_services reads int_name_chains
(a recursive CNAME walk) through seven paths and int_host_providers (a regex join) through three,
and computes each every time (on 3 M records the walk alone took 164 s of operator time). A temporary table of the same name shadows a view for every later query of the
session, so `materialized` computes each shared view once, in dependency order, from the scope in
force, and drops the tables after.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

# The views that several readers inline, in dependency order: computed once into a temporary
# table of the same name, which shadows the view for every later query of the session.
SHARED_VIEWS = (
    "stg_dns_cnames",
    "int_name_chains",
    "int_name_addresses",
    "int_ip_attribution",
    "int_spf_terms",
    "int_spf_includes",
    "int_host_providers",
)


@contextmanager
def materialized(con: duckdb.DuckDBPyConnection, views: tuple[str, ...] = SHARED_VIEWS) -> Iterator[None]:
    """Inside: `views` (in dependency order) are temporary tables computed once (from the scope in
    force when entering), so a query that reads one of them several times computes it once; they
    are dropped after, also on failure."""
    made: list[str] = []
    try:
        for view in views:
            con.execute(f"create or replace temp table {view} as select * from main.{view}")  # noqa: S608 - fixed names
            made.append(view)
        yield
    finally:
        for view in reversed(made):
            try:
                con.execute(f"drop table if exists temp.{view}")
            except duckdb.Error:  # an aborted transaction refuses it; the rollback drops the table
                break

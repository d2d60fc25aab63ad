"""The stored attribution behind `attr_entity_services` (sql/52_attr_entity_services.sql).

Computing who serves each listed company from a whole 20-million-record snapshot takes minutes,
yet only the few thousand names under the companies' domains, and what they point to, matter.
`refresh` finds those names (int_entity_dns_scope), then runs the same views over their records
only and stores the rows with a fingerprint of every input; the view serves them while the
fingerprint holds and refuses with a clear message once anything changed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import duckdb

from analyzer.cursors import first_row
from analyzer.errors import ConfigError
from analyzer.materialize import materialized
from analyzer.meta import get_meta, set_meta
from analyzer.workspace import Workspace

FINGERPRINT_KEY = "attribution_fingerprint"


@dataclass(frozen=True)
class AttributionResult:
    scope_names: int
    rows: int
    entities: int
    seconds: float

    def summary(self) -> str:
        return (
            f"attribution: {self.rows:,} rows for {self.entities:,} entities from the records of "
            f"{self.scope_names:,} DNS names ({self.seconds:.1f} s)"
        )


def is_fresh(ws: Workspace) -> bool:
    """Whether the stored rows were computed from the current inputs."""
    stored = get_meta(ws.con, FINGERPRINT_KEY)
    row = first_row(ws.con.execute("select ? is not distinct from attr_inputs_fingerprint()", [stored]))
    return bool(row and row[0])


def refresh(ws: Workspace) -> AttributionResult:
    """Recompute and store attr_entity_services in one transaction (all or nothing)."""
    started = time.perf_counter()
    try:
        with ws.transaction() as con:
            con.execute("delete from attr_scope_names")
            con.execute("delete from attr_entity_services_store")
            # No domain linked to any entity: no name in scope and no row, known without walking
            # the snapshot (the walk scans every record once per hop even from no seed).
            if has_linked_domains(con):
                con.execute("insert into attr_scope_names select name from int_entity_dns_scope")
                con.execute("set variable attr_dns_scope = 'entities'")
                # certificate rows only for the linked domains (a tls_ca row's domain is registrable)
                con.execute(
                    "set variable attr_domain_names = (select list(distinct domain) from int_entity_domains)"
                )
                with materialized(con):  # each shared view once, not once per reader
                    con.execute("insert into attr_entity_services_store select * from int_entity_services")
            con.execute("reset variable attr_dns_scope")
            con.execute("reset variable attr_domain_names")
            fingerprint = first_row(con.execute("select attr_inputs_fingerprint()"))
            assert fingerprint is not None
            set_meta(con, FINGERPRINT_KEY, fingerprint[0])
            counts = first_row(
                con.execute(
                    "select (select count(*) from attr_scope_names), count(*), count(distinct entity_id) "
                    "from attr_entity_services_store"
                )
            )
    finally:
        # after a rollback too: the session must not keep reading the scoped records
        ws.con.execute("reset variable attr_dns_scope")
        ws.con.execute("reset variable attr_domain_names")
    assert counts is not None
    return AttributionResult(int(counts[0]), int(counts[1]), int(counts[2]), time.perf_counter() - started)


def has_linked_domains(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether any domain is linked to an entity (int_entity_domains has a row)."""
    row = first_row(con.execute("select exists (select 1 from int_entity_domains)"))
    return bool(row and row[0])


def ensure(ws: Workspace) -> AttributionResult | None:
    """Bring the stored attribution up to date when it is stale; None when it already was."""
    if is_fresh(ws):
        return None
    if ws.read_only:
        raise ConfigError(
            f"the attribution stored in {ws.path} is out of date and the database is open read-only; "
            "run `analyzer attribute` on it first"
        )
    return refresh(ws)


# Names whose rows come from the store: a query naming one of them needs the store up to date.
STORED_VIEWS = ("attr_entity_services", "attr_provider_summary")


def ensure_if_stored(ws: Workspace, query: str | None = None) -> AttributionResult | None:
    """`ensure` when attr_entity_services is the stored view (and `query`, if given, names a view
    served from the store); a database whose attr_ names are plain tables is left alone."""
    if query is not None and not any(v in query.lower() for v in STORED_VIEWS):
        return None
    row = first_row(
        ws.con.execute(
            "select count(*) from duckdb_views() where view_name = 'attr_entity_services' and not internal"
        )
    )
    if not row or not row[0]:
        return None
    return ensure(ws)

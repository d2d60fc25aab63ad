"""The stored attribution behind `attr_entity_services` (sql/52_attr_entity_services.sql).

Computing who serves each listed company from a whole 20-million-record snapshot takes minutes,
yet only the few thousand names under the companies' domains, and what they point to, matter.
`refresh` finds those names (int_entity_dns_scope), then runs the same views over their records
only and stores the rows with a fingerprint of every input; the view serves them while the
fingerprint holds and refuses with a clear message once anything changed.

Snapshots come one at a time (a monthly dump, a daily partition). The DNS views join records of
one snapshot date, or of snapshots within the cross-snapshot window (a CNAME/MX/NS target with no
record of its own date, sql/23_dns_chain_window_days.sql), so when the DNS datasets are all that changed,
`update` recomputes just the dates of the datasets loaded or dropped since (attr_store_datasets,
sql/56) and of the snapshots within the window of them, and keeps the other dates' rows; anything that changes every date's answer (sql/, catalog, PSL, watchlists,
certificates, decisions, network files) recomputes everything.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import duckdb

from analyzer.cursors import first_row
from analyzer.errors import ConfigError
from analyzer.materialize import SHARED_VIEWS, materialized
from analyzer.meta import get_meta, set_meta
from analyzer.workspace import Workspace

FINGERPRINT_KEY = "attribution_fingerprint"
# attr_inputs_fingerprint(with_dns := false) when the store was computed: every input but the DNS
# datasets. While it holds, only the snapshot dates of changed DNS datasets need recomputing.
BASE_FINGERPRINT_KEY = "attribution_base_fingerprint"
# The stored rows that come from DNS snapshots; the others (tls_ca, dated by certificates) depend
# on no DNS dataset and stand when only DNS datasets changed.
DNS_ROWS = "service <> 'tls_ca'"
# A stored run reads its few scoped records through every DNS view (stg_dns_records), and web and
# mail both read the address attribution; int_entity_services reads int_domain_services twice (a
# name under a linked domain, the linked name itself): the records and the shared views are
# computed once per run (materialize.py).
RUN_VIEWS = ("stg_dns_records", *SHARED_VIEWS, "int_domain_services")
# The listed companies and their domains, read by the scope walk, int_entity_services and
# int_entity_dns_snapshots and independent of any DNS record: computed once per run, first.
ENTITY_VIEWS = ("int_entities", "int_entity_domains")


@dataclass(frozen=True)
class AttributionResult:
    scope_names: int
    rows: int
    entities: int
    seconds: float
    # None: every snapshot was recomputed; else the snapshot dates that were
    snapshots: tuple[dt.date, ...] | None = None

    def summary(self) -> str:
        which = ""
        if self.snapshots is not None:
            dates = ", ".join(d.isoformat() for d in self.snapshots[:3])
            more = f" and {len(self.snapshots) - 3} more" if len(self.snapshots) > 3 else ""
            which = (
                f"; recomputed the {len(self.snapshots)} DNS snapshot(s) that changed ({dates}{more})"
                if self.snapshots
                else "; no snapshot needed recomputing"
            )
        return (
            f"attribution: {self.rows:,} rows for {self.entities:,} entities from the records of "
            f"{self.scope_names:,} DNS names ({self.seconds:.1f} s{which})"
        )


def is_fresh(ws: Workspace) -> bool:
    """Whether the stored rows were computed from the current inputs."""
    stored = get_meta(ws.con, FINGERPRINT_KEY)
    row = first_row(ws.con.execute("select ? is not distinct from attr_inputs_fingerprint()", [stored]))
    return bool(row and row[0])


def refresh(ws: Workspace) -> AttributionResult:
    """Recompute and store attr_entity_services for every snapshot, in one transaction (all or nothing)."""
    started = time.perf_counter()
    try:
        with ws.transaction() as con:
            con.execute("delete from attr_scope_names")
            con.execute("delete from attr_entity_services_store")
            con.execute("delete from attr_entity_snapshots_store")
            # No domain linked to any entity: no name in scope and no row, known without walking
            # the snapshot (the walk scans every record once per hop even from no seed). The
            # entities and their linked domains once (certificate co-occurrence reads every
            # certificate: 2.7 s a time at 1 M certificates), not in each place that reads them.
            with materialized(con, ENTITY_VIEWS):
                if has_linked_domains(con):
                    con.execute("insert into attr_scope_names select name from int_entity_dns_scope")
                    con.execute("set variable attr_dns_scope = 'entities'")
                    # certificate rows only for the linked domains (a tls_ca row's domain is registrable)
                    con.execute(
                        "set variable attr_domain_names = (select list(distinct domain) from int_entity_domains)"
                    )
                    with materialized(con, RUN_VIEWS):  # each shared view once, not once per reader
                        con.execute(
                            "insert into attr_entity_services_store select * from int_entity_services"
                        )
                        con.execute(
                            "insert into attr_entity_snapshots_store select * from int_entity_dns_snapshots"
                        )
            con.execute("reset variable attr_dns_scope")
            con.execute("reset variable attr_domain_names")
            _record_all_dns_datasets(con)
            _store_fingerprints(con)
    finally:
        # after a rollback too: the session must not keep reading the scoped records
        ws.con.execute("reset variable attr_dns_scope")
        ws.con.execute("reset variable attr_domain_names")
    return _result(ws, started, None)


def has_linked_domains(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether any domain is linked to an entity (int_entity_domains has a row)."""
    row = first_row(con.execute("select exists (select 1 from int_entity_domains)"))
    return bool(row and row[0])


def update(ws: Workspace) -> AttributionResult:
    """Bring the store up to date at the least cost: when only DNS datasets were loaded or dropped
    since it was computed, recompute the snapshot dates they touch; otherwise everything."""
    change = dns_change(ws)
    if change is None:
        return refresh(ws)
    return refresh_snapshots(ws, change)


def ensure(ws: Workspace) -> AttributionResult | None:
    """Bring the stored attribution up to date when it is stale; None when it already was."""
    if is_fresh(ws):
        return None
    if ws.read_only:
        raise ConfigError(
            f"the attribution stored in {ws.path} is out of date and the database is open read-only; "
            "run `analyzer attribute` on it first"
        )
    return update(ws)


# Names whose rows come from the store: a query naming one of them needs the store up to date.
STORED_VIEWS = (
    "attr_entity_services",
    "attr_provider_summary",
    "attr_entity_timeline",
    "attr_changes",
    "attr_nearest_snapshot",
)


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


def _store_fingerprints(con: duckdb.DuckDBPyConnection) -> None:
    row = first_row(
        con.execute("select attr_inputs_fingerprint(), attr_inputs_fingerprint(with_dns := false)")
    )
    assert row is not None
    set_meta(con, FINGERPRINT_KEY, row[0])
    set_meta(con, BASE_FINGERPRINT_KEY, row[1])


def _result(ws: Workspace, started: float, snapshots: tuple[dt.date, ...] | None) -> AttributionResult:
    counts = first_row(
        ws.con.execute(
            "select (select count(*) from attr_scope_names), count(*), count(distinct entity_id) "
            "from attr_entity_services_store"
        )
    )
    assert counts is not None
    return AttributionResult(
        int(counts[0]), int(counts[1]), int(counts[2]), time.perf_counter() - started, snapshots
    )


# -- one snapshot at a time ------------------------------------------------------------------------
@dataclass(frozen=True)
class DnsChange:
    """The DNS datasets loaded and dropped since the store was computed, and the snapshot dates
    whose stored rows they change."""

    added: tuple[int, ...]
    removed: tuple[int, ...]
    dates: tuple[dt.date, ...]


_LOADED_DNS = "select dataset_id from datasets where kind = 'dns' and status = 'loaded'"


def _record_all_dns_datasets(con: duckdb.DuckDBPyConnection) -> None:
    """attr_store_datasets := the snapshot dates of every loaded DNS dataset (one scan)."""
    con.execute("delete from attr_store_datasets")
    con.execute(
        "insert into attr_store_datasets select d.dataset_id, r.observed_on from datasets as d "
        "left join (select distinct dataset_id, observed_on from raw_dns_records) as r using (dataset_id) "
        "where d.kind = 'dns' and d.status = 'loaded'"
    )


def dns_change(ws: Workspace) -> DnsChange | None:
    """What changed since the store was computed, when DNS datasets are all that did; None when
    anything else changed too, or the store was never computed with its snapshot bookkeeping."""
    stored = get_meta(ws.con, BASE_FINGERPRINT_KEY)
    row = first_row(ws.con.execute("select ? = attr_inputs_fingerprint(with_dns := false)", [stored]))
    if stored is None or not row or not row[0]:
        return None
    loaded = {r[0] for r in ws.con.execute(_LOADED_DNS).fetchall()}
    had = {r[0] for r in ws.con.execute("select distinct dataset_id from attr_store_datasets").fetchall()}
    added, removed = sorted(loaded - had), sorted(had - loaded)
    # raw rows are written in dataset order, so the dataset_id filter reads few row groups
    dates = ws.con.execute(
        "select distinct observed_on from raw_dns_records where list_contains(?, dataset_id) "
        "union select observed_on from attr_store_datasets "
        "where list_contains(?, dataset_id) and observed_on is not null "
        "order by 1",
        [added, removed],
    ).fetchall()
    return DnsChange(tuple(added), tuple(removed), tuple(d[0] for d in dates))


def cross_snapshot_days(ws: Workspace) -> int:
    """How many days apart two snapshots' records may meet in one answer: the window in which
    int_name_chains and int_mx_ns_services follow a target into another snapshot (0: every DNS view
    joins records of one date). A changed snapshot's stored rows and those of the snapshots within
    it are recomputed, from the records of the snapshots within it of those."""
    return ws.chain_window_days


def _neighbours(ws: Workspace, dates: tuple[dt.date, ...], days: int) -> list[dt.date]:
    """The loaded snapshot dates within `days` of any of `dates` (the dates themselves when 0)."""
    if days == 0 or not dates:
        return list(dates)
    rows = ws.con.execute(
        "select distinct s.observed_on from attr_store_datasets as s, unnest(?) as d(on_date) "
        "where s.observed_on between d.on_date - ? and d.on_date + ? order by 1",
        [list(dates), days, days],
    ).fetchall()
    return sorted({r[0] for r in rows} | set(dates))


def refresh_snapshots(ws: Workspace, change: DnsChange) -> AttributionResult:
    """Recompute the stored rows of the snapshot dates `change` touches, in one transaction: the
    same views, over the records of those dates only (stg_dns_records with attr_dns_dates set)."""
    started = time.perf_counter()
    days = cross_snapshot_days(ws)
    affected = _neighbours(ws, change.dates, days)
    read = _neighbours(ws, tuple(affected), days)
    try:
        with ws.transaction() as con:
            if affected:
                _recompute_dates(con, affected, read)
            con.execute(
                "delete from attr_store_datasets where list_contains(?, dataset_id)", [list(change.removed)]
            )
            con.execute(
                "insert into attr_store_datasets select d.dataset_id, r.observed_on "
                "from unnest(?) as d(dataset_id) left join (select distinct dataset_id, observed_on "
                "from raw_dns_records where list_contains(?, dataset_id)) as r using (dataset_id)",
                [list(change.added), list(change.added)],
            )
            _store_fingerprints(con)
    finally:
        ws.con.execute("reset variable attr_dns_scope")
        ws.con.execute("reset variable attr_dns_dates")
        ws.con.execute("reset variable attr_domain_names")
    return _result(ws, started, tuple(affected))


def _recompute_dates(con: duckdb.DuckDBPyConnection, affected: list[dt.date], read: list[dt.date]) -> None:
    """Replace the stored DNS rows of the `affected` dates with the views' answer over the records
    of the `read` dates (inside the caller's transaction)."""
    con.execute("set variable attr_dns_dates = ?", [read])
    with materialized(con, ENTITY_VIEWS):
        _recompute_scoped(con, affected)
    con.execute("reset variable attr_dns_scope")
    con.execute("reset variable attr_dns_dates")
    con.execute("reset variable attr_domain_names")


def _recompute_scoped(con: duckdb.DuckDBPyConnection, affected: list[dt.date]) -> None:
    """_recompute_dates with the listed companies computed once (ENTITY_VIEWS)."""
    # the names these snapshots' records lead to join the stored scope (a superset is harmless: a
    # name no listed company reaches on a date adds no row for that date)
    con.execute(
        "insert into attr_scope_names "
        "select name from int_entity_dns_scope except select name from attr_scope_names"
    )
    con.execute("set variable attr_dns_scope = 'entities'")
    # no certificate row is kept (they stand, DNS_ROWS): none computed
    con.execute("set variable attr_domain_names = []::varchar[]")
    with materialized(con, RUN_VIEWS):
        for table, view, only in (
            ("attr_entity_services_store", "int_entity_services", DNS_ROWS),
            ("attr_entity_snapshots_store", "int_entity_dns_snapshots", "true"),
        ):
            # fixed names from the tuple above; the dates are parameters
            where = f"{only} and list_contains(?, observed_on)"
            con.execute(f"delete from {table} where {where}", [affected])  # noqa: S608
            con.execute(f"insert into {table} select * from {view} where {where}", [affected])  # noqa: S608

"""The stored answer behind `attr_domain_services` (sql/51): who serves any domain, not only the
listed companies'.

Computed live, int_domain_services walks every CNAME chain and SPF include of the snapshot and
matches every host against the catalog, several times over (each view is inlined into each of
its readers): minutes at 20 M records, even for one domain. So the answer is stored, with the
fingerprint of its inputs, in one of two ways:
- every domain (`store_all`, `analyzer attribute --all-domains`): the shared intermediate views
  are computed once each into temporary tables (`materialized`), then int_domain_services once;
- the names asked (`services`, `analyzer services DOMAIN...`): from the records of those names and
  of what they point to only (int_entity_dns_scope seeded with them, as `analyzer lookup` does),
  added to the store; a name asked again is read from it.
The view serves the store while it holds every domain and is fresh; `services` serves the names
it holds while the store is fresh. A stale store is emptied before anything is added to it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import duckdb

from analyzer.cursors import first_row
from analyzer.domains import normalize_hostname
from analyzer.errors import ConfigError
from analyzer.materialize import SHARED_VIEWS, materialized
from analyzer.meta import get_meta, set_meta
from analyzer.safe_text import shown
from analyzer.workspace import Workspace

FINGERPRINT_KEY = "domain_store_fingerprint"
COVERAGE_KEY = "domain_store_coverage"  # 'all', or 'names' (those of attr_domain_store_names)
STORE = "attr_domain_services_store"
NAMES = "attr_domain_store_names"
VIEW = "attr_domain_services"

_COLUMNS = (
    "domain, service, provider_id, provider_name, provider_parent, provider_country, "
    "relationship, confidence, evidence, observed_on"
)


@dataclass(frozen=True)
class DomainStoreResult:
    names: int | None  # None: every domain
    rows: int
    seconds: float

    def summary(self) -> str:
        what = "every domain" if self.names is None else f"{self.names:,} name(s)"
        return f"domain answers: {self.rows:,} rows for {what} ({self.seconds:.1f} s)"


def _fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    row = first_row(con.execute("select attr_inputs_fingerprint()"))
    assert row is not None
    return str(row[0])


def coverage(ws: Workspace) -> str | None:
    """'all' or 'names' while the store is fresh, None when it is stale or was never filled."""
    if get_meta(ws.con, FINGERPRINT_KEY) != _fingerprint(ws.con):
        return None
    return get_meta(ws.con, COVERAGE_KEY) or "names"


def _writable(ws: Workspace) -> None:
    if ws.read_only:
        raise ConfigError(
            f"the domain answers stored in {ws.path} are out of date or incomplete and the database "
            "is open read-only; run `analyzer attribute --all-domains` on it first"
        )


def store_all(ws: Workspace) -> DomainStoreResult:
    """Compute and store every domain's rows in one transaction (all or nothing)."""
    _writable(ws)
    started = time.perf_counter()
    with ws.transaction() as con:
        con.execute(f"delete from {STORE}")  # noqa: S608 - fixed names
        con.execute(f"delete from {NAMES}")  # noqa: S608
        with materialized(con):
            con.execute(f"insert into {STORE} select {_COLUMNS} from int_domain_services")  # noqa: S608
        set_meta(con, FINGERPRINT_KEY, _fingerprint(con))
        set_meta(con, COVERAGE_KEY, "all")
        row = first_row(con.execute(f"select count(*) from {STORE}"))  # noqa: S608
    return DomainStoreResult(None, int(row[0]) if row else 0, time.perf_counter() - started)


def ensure_all(ws: Workspace) -> DomainStoreResult | None:
    """store_all when the store is stale or holds only some names; None when it was complete."""
    return None if coverage(ws) == "all" else store_all(ws)


def ensure_if_named(ws: Workspace, query: str) -> DomainStoreResult | None:
    """ensure_all when `query` names attr_domain_services (what `analyzer sql` runs first)."""
    return ensure_all(ws) if VIEW in query.lower() else None


def store_names(ws: Workspace, names: Iterable[str]) -> DomainStoreResult | None:
    """Compute and add the rows of the names the store does not hold yet (None: it held them all).

    From the records of those names and of everything they point to only (sql/40 seeded with
    them, sql/11 scoped to the result); certificate rows only for those names. The scope table of
    the stored entity attribution is borrowed and put back."""
    asked = list(names)
    invalid = [x for x in asked if not normalize_hostname(x)]
    if invalid:
        more = f" and {len(invalid) - 3} more" if len(invalid) > 3 else ""
        raise ConfigError(
            f"not a domain or host name: {', '.join(shown(x) for x in invalid[:3])}{more}; nothing answered"
        )
    wanted = sorted({n for n in (normalize_hostname(x) for x in asked) if n})
    state = coverage(ws)
    if state == "all" or not wanted:
        return None
    con = ws.con
    if state is None:
        _writable(ws)
        with ws.transaction():
            con.execute(f"delete from {STORE}")  # noqa: S608 - fixed names
            con.execute(f"delete from {NAMES}")  # noqa: S608
            set_meta(con, FINGERPRINT_KEY, _fingerprint(con))
            set_meta(con, COVERAGE_KEY, "names")
    query = f"select name from {NAMES} where list_contains(?, name)"  # noqa: S608 - fixed names
    held = {r[0] for r in con.execute(query, [wanted]).fetchall()}
    missing = [n for n in wanted if n not in held]
    if not missing:
        return None
    _writable(ws)
    started = time.perf_counter()
    try:
        with ws.transaction():
            con.execute(
                "create or replace temp table _domain_store_saved_scope as select * from attr_scope_names"
            )
            con.execute("set variable dns_scope_seeds = ?", [missing])
            con.execute("delete from attr_scope_names")
            con.execute("insert into attr_scope_names select name from int_entity_dns_scope")
            con.execute("reset variable dns_scope_seeds")
            con.execute("set variable attr_dns_scope = 'entities'")
            con.execute("set variable attr_domain_names = ?", [missing])
            # the scoped records once (a few hundred rows), not one scan of the snapshot per view
            with materialized(con, ("stg_dns_records", *SHARED_VIEWS)):
                con.execute(
                    f"insert into {STORE} select {_COLUMNS} from int_domain_services "  # noqa: S608
                    "where list_contains(?, domain)",
                    [missing],
                )
            con.execute("reset variable attr_dns_scope")
            con.execute("reset variable attr_domain_names")
            con.execute("delete from attr_scope_names")
            con.execute("insert into attr_scope_names select * from _domain_store_saved_scope")
            con.execute(f"insert into {NAMES} select unnest(?::varchar[])", [missing])
            count = f"select count(*) from {STORE} where list_contains(?, domain)"  # noqa: S608
            row = first_row(con.execute(count, [missing]))
    finally:
        # after a rollback too: the session must not keep reading the scoped records
        for variable in ("dns_scope_seeds", "attr_dns_scope", "attr_domain_names"):
            con.execute(f"reset variable {variable}")
        con.execute("drop table if exists _domain_store_saved_scope")
    return DomainStoreResult(len(missing), int(row[0]) if row else 0, time.perf_counter() - started)


def services(ws: Workspace, names: Iterable[str]) -> list[dict[str, Any]]:
    """The attr_domain_services rows of some names (the view's `domain`: a DNS name or, for
    tls_ca, a registrable domain), computed and stored first when the store lacks them."""
    asked = list(names)
    invalid = [x for x in asked if not normalize_hostname(x)]
    if invalid:
        more = f" and {len(invalid) - 3} more" if len(invalid) > 3 else ""
        raise ConfigError(
            f"not a domain or host name: {', '.join(shown(x) for x in invalid[:3])}{more}; nothing answered"
        )
    wanted = sorted({n for n in (normalize_hostname(x) for x in asked) if n})
    store_names(ws, wanted)
    return ws.rows(
        f"select * from {STORE} where list_contains(?, domain) "  # noqa: S608 - fixed names
        "order by domain, service, provider_id, observed_on",
        [wanted],
    )

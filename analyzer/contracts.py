"""Data contracts of the user-facing views: grain unique, keys non-null, labels from fixed sets.

Run by the tests on fixtures and by `analyzer check` on real data, so an upstream change that breaks
an assumption is seen as a failed contract, not as a silently wrong answer."""

from __future__ import annotations

from dataclasses import dataclass

from analyzer import attribution, domain_store, labels
from analyzer.workspace import Workspace, first_row


@dataclass(frozen=True)
class Contract:
    view: str
    grain: tuple[str, ...]
    not_null: tuple[str, ...]
    accepted: tuple[tuple[str, str], ...] = ()  # (column, label set of analyzer.labels)


_SERVICE_LABELS = (("service", "SERVICES"), ("relationship", "RELATIONSHIPS"), ("confidence", "CONFIDENCES"))

CONTRACTS = (
    Contract("entities", ("entity_id",), ("entity_id", "name", "list_code", "source")),
    Contract("entity_names", ("entity_id", "name"), ("entity_id", "name", "normalized")),
    Contract(
        "attr_domain_services",
        ("domain", "service", "provider_id", "observed_on"),
        ("domain", "service", "provider_id", "relationship", "confidence", "evidence", "observed_on"),
        _SERVICE_LABELS,
    ),
    Contract(
        "attr_entity_services",
        ("entity_id", "domain", "service", "provider_id", "observed_on"),
        (
            "entity_id",
            "entity_name",
            "domain",
            "service",
            "provider_id",
            "relationship",
            "confidence",
            "evidence",
        ),
        _SERVICE_LABELS,
    ),
    Contract(
        "attr_provider_summary", ("provider_parent", "service"), ("provider_parent", "service", "entities")
    ),
    Contract(
        "attr_entity_timeline",
        ("entity_id", "service", "provider_id"),
        ("entity_id", "entity_name", "service", "provider_id", "first_seen", "last_seen", "ongoing"),
        _SERVICE_LABELS,
    ),
)


# Live views too slow to check whole on a large snapshot are checked on the stored answer when it
# holds every row, else on the rows of a sample of names, computed from their own records.
SAMPLE_NAMES = 200
_SAMPLE = "_contract_sample_names"


def _exists(ws: Workspace, view: str) -> bool:
    row = first_row(
        ws.con.execute("select count(*) from duckdb_views() where view_name = ? and not internal", [view])
    )
    return bool(row and row[0])


def _domain_rows(ws: Workspace) -> tuple[str, str]:
    """The relation to check for attr_domain_services, and what it is (for the messages)."""
    if domain_store.coverage(ws) == "all" or ws.read_only:
        return "attr_domain_services", "attr_domain_services"
    ws.con.execute(
        f"create or replace temp table {_SAMPLE} as "  # noqa: S608 - fixed names
        "select distinct name from ("
        f" (select name from stg_dns_records using sample reservoir({int(SAMPLE_NAMES)} rows) repeatable (14))"
        " union all"
        f" (select unnest(domains) as name from raw_certificates"
        f" using sample reservoir({int(SAMPLE_NAMES) // 4} rows) repeatable (14))"
        ")"
    )
    names = [r[0] for r in ws.con.execute(f"select name from {_SAMPLE} order by name").fetchall()]  # noqa: S608
    domain_store.store_names(ws, names)
    relation = f"(select * from {domain_store.STORE} where domain in (select name from {_SAMPLE}))"  # noqa: S608
    return relation, f"attr_domain_services (the rows of {len(names)} sampled names)"


def _check_one(ws: Workspace, c: Contract, relation: str, label: str) -> list[str]:
    """One contract in two scans of `relation`: the grain, then every null and label count."""
    failures: list[str] = []
    keys = ", ".join(c.grain)
    # View and column names come from the constants above, never from input.
    dup = first_row(
        ws.con.execute(
            f"select count(*) from (select {keys} from {relation} group by all having count(*) > 1)"  # noqa: S608
        )
    )
    if dup and dup[0]:
        failures.append(f"{label}: {dup[0]} duplicate rows for grain ({keys})")
    measures = [f"count(*) filter (where {col} is null)" for col in c.not_null]
    params: list[object] = []
    for col, label_set in c.accepted:
        measures.append(
            f"list_distinct(list({col}) filter (where {col} is not null and not list_contains(?, {col})))"
        )
        params.append(list(getattr(labels, label_set)))
    query = f"select {', '.join(measures)} from {relation}"  # noqa: S608
    row = first_row(ws.con.execute(query, params)) if measures else None
    values = list(row or [])
    for col, nulls in zip(c.not_null, values, strict=False):
        if nulls:
            failures.append(f"{label}: {nulls} rows with {col} null")
    for (col, label_set), bad in zip(c.accepted, values[len(c.not_null) :], strict=True):
        if bad:
            failures.append(f"{label}: {col} has values outside {getattr(labels, label_set)}: {sorted(bad)}")
    return failures


def check(ws: Workspace) -> list[str]:
    """Every broken contract, as one line each; empty when all hold."""
    failures: list[str] = []
    attribution.ensure_if_stored(ws)
    try:
        for c in CONTRACTS:
            if not _exists(ws, c.view):
                continue
            relation, label = _domain_rows(ws) if c.view == "attr_domain_services" else (c.view, c.view)
            failures.extend(_check_one(ws, c, relation, label))
    finally:
        ws.con.execute(f"drop table if exists {_SAMPLE}")
    return failures

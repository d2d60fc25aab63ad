"""Data contracts of the user-facing views: grain unique, keys non-null, labels from fixed sets.

Run by the tests on fixtures and by `analyzer check` on real data, so an upstream change that breaks
an assumption is seen as a failed contract, not as a silently wrong answer."""

from __future__ import annotations

from dataclasses import dataclass

from analyzer import attribution, labels
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


def _exists(ws: Workspace, view: str) -> bool:
    row = first_row(
        ws.con.execute("select count(*) from duckdb_views() where view_name = ? and not internal", [view])
    )
    return bool(row and row[0])


def check(ws: Workspace) -> list[str]:
    """Every broken contract, as one line each; empty when all hold."""
    failures: list[str] = []
    attribution.ensure_if_stored(ws)
    for c in CONTRACTS:
        if not _exists(ws, c.view):
            continue
        keys = ", ".join(c.grain)
        # View and column names come from the constants above, never from input.
        dup = first_row(
            ws.con.execute(
                f"select count(*) from (select {keys} from {c.view} group by all having count(*) > 1)"  # noqa: S608
            )
        )
        if dup and dup[0]:
            failures.append(f"{c.view}: {dup[0]} duplicate rows for grain ({keys})")
        for col in c.not_null:
            nulls = first_row(ws.con.execute(f"select count(*) from {c.view} where {col} is null"))  # noqa: S608
            if nulls and nulls[0]:
                failures.append(f"{c.view}: {nulls[0]} rows with {col} null")
        for col, label_set in c.accepted:
            values = getattr(labels, label_set)
            bad = ws.con.execute(
                f"select distinct {col} from {c.view} where {col} is not null and not list_contains(?, {col})",  # noqa: S608
                [list(values)],
            ).fetchall()
            if bad:
                failures.append(f"{c.view}: {col} has values outside {values}: {[b[0] for b in bad]}")
    return failures

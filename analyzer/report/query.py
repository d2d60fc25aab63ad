"""Reading the answers: parameterised SQL over the contract views `attr_entity_services`,
`attr_provider_summary` and `attr_entity_timeline`. Every consumer (CLI, HTML, notebook API) goes
through these functions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from analyzer import attribution, labels
from analyzer.errors import ConfigError, SQLError
from analyzer.workspace import Workspace

if TYPE_CHECKING:
    import pyarrow as pa

ENTITY_SERVICE_COLUMNS = (
    "entity_id",
    "entity_name",
    "list_code",
    "listed_on",
    "domain",
    "service",
    "provider_id",
    "provider_name",
    "provider_parent",
    "provider_country",
    "relationship",
    "confidence",
    "evidence",
    "observed_on",
)
SUMMARY_COLUMNS = (
    "provider_parent",
    "service",
    "entities",
    "entity_names",
    "provider_country",
    "provider_ids",
    "entities_after_listing",
)
TIMELINE_COLUMNS = (
    "entity_id",
    "entity_name",
    "list_code",
    "listed_on",
    "service",
    "provider_id",
    "provider_name",
    "provider_parent",
    "provider_country",
    "first_seen",
    "last_seen",
    "snapshots_seen",
    "snapshots_total",
    "seen_after_listing",
    "days_after_listing",
    "ongoing",
    "relationship",
    "confidence",
)


@dataclass(frozen=True)
class Filters:
    """What the report is restricted to; every value reaches SQL as a parameter."""

    list_code: str | None = None
    provider_country: str | None = None
    service: str | None = None
    as_of: dt.date | None = None
    # False: every snapshot's row (history); True: the latest observation per (entity, domain,
    # service) on or before `as_of` (the state then), as attr_provider_summary counts it.
    latest: bool = True

    def __post_init__(self) -> None:
        if self.service is not None and self.service not in labels.SERVICES:
            raise ConfigError(f"--service {self.service!r} is not one of: {', '.join(labels.SERVICES)}")

    @property
    def restricts_rows(self) -> bool:
        """True when the provider summary must be recomputed from the filtered rows."""
        return self.list_code is not None or self.as_of is not None or not self.latest

    def describe(self) -> str:
        parts = [
            f"list {self.list_code}" if self.list_code else "",
            f"provider country {self.provider_country}" if self.provider_country else "",
            f"service {self.service}" if self.service else "",
            (f"as of {self.as_of}" if self.as_of else "latest snapshot") if self.latest else "all snapshots",
        ]
        return ", ".join(p for p in parts if p)


def __getattr__(name: str) -> tuple[str, ...]:
    """SERVICES, RELATIONSHIPS, CONFIDENCES: the label sets (analyzer.labels), also importable from here."""
    if name in ("SERVICES", "RELATIONSHIPS", "CONFIDENCES"):
        return getattr(labels, name)  # type: ignore[no-any-return]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def require_views(ws: Workspace, *names: str) -> None:
    """Fail with what to do when the attribution views are not in this database (yet)."""
    have = {
        r[0]
        for r in ws.execute(
            "select table_name from information_schema.tables where list_contains(?, table_name)",
            [list(names)],
        ).fetchall()
    }
    missing = [n for n in names if n not in have]
    if missing:
        raise SQLError(
            f"{', '.join(missing)} not found in {ws.path}: this analyzer version has no attribution "
            "views yet, or the database predates them; re-open it with a version that has the attr_ "
            "views (sql/5*_attr_*.sql)"
        )
    attribution.ensure_if_stored(ws)


def _macro_args(filters: Filters) -> list[Any]:
    """The arguments of attr_entity_services_filtered() / attr_provider_summary_filtered()
    (sql/53, sql/54): an empty filter is no filter."""
    return [
        filters.list_code or None,
        filters.provider_country or None,
        filters.service or None,
        filters.as_of,
        filters.latest,
    ]


def entity_services(ws: Workspace, filters: Filters | None = None) -> pa.Table:
    """Rows of attr_entity_services under the filters, ordered for reading."""
    require_views(ws, "attr_entity_services")
    return ws.arrow(
        "select * from attr_entity_services_filtered(?, ?, ?, ?, ?) order by entity_name, entity_id, "
        "service, provider_parent, provider_id, domain, observed_on",
        _macro_args(filters or Filters()),
    )


def provider_summary(ws: Workspace, filters: Filters | None = None) -> pa.Table:
    """Provider parent by service: distinct entities served and their names.

    Read from attr_provider_summary when only its own columns are filtered; recomputed with the
    same grain by attr_provider_summary_filtered() when a list or an as-of date restricts the rows."""
    filters = filters or Filters()
    columns = ", ".join(SUMMARY_COLUMNS)
    if not filters.restricts_rows:
        require_views(ws, "attr_provider_summary")
        country, service = filters.provider_country or None, filters.service or None
        return ws.arrow(
            f"select {columns} from attr_provider_summary "  # noqa: S608 - fixed column names
            "where (?::varchar is null or upper(provider_country) = upper(?)) "
            "and (?::varchar is null or service = ?) "
            "order by entities desc, provider_parent, service",
            [country, country, service, service],
        )
    require_views(ws, "attr_entity_services")
    return ws.arrow(
        f"select {columns} from attr_provider_summary_filtered(?, ?, ?, ?, ?) "  # noqa: S608 - fixed column names
        "order by entities desc, provider_parent, service",
        _macro_args(filters),
    )


def entity_timeline(ws: Workspace, filters: Filters | None = None) -> pa.Table:
    """Rows of attr_entity_timeline over the snapshots on or before `filters.as_of` (all when
    unset), under the same list, provider-country and service filters (sql/57)."""
    filters = filters or Filters()
    require_views(ws, "attr_entity_services")
    columns = ", ".join(TIMELINE_COLUMNS)
    return ws.arrow(
        f"select {columns} from attr_entity_timeline_filtered(?, ?, ?, ?)",  # noqa: S608 - fixed column names
        [filters.list_code or None, filters.provider_country or None, filters.service or None, filters.as_of],
    )


def dataset_provenance(ws: Workspace, dataset_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The `datasets` rows behind evidence steps, by id (source, sha256, snapshot date)."""
    if not dataset_ids:
        return {}
    rows = ws.rows(
        "select dataset_id, kind, format, source, sha256, snapshot_date, label "
        "from datasets where list_contains(?, dataset_id)",
        [sorted(set(dataset_ids))],
    )
    return {r["dataset_id"]: r for r in rows}

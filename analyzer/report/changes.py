"""`analyzer diff`: which providers were added or removed between two DNS snapshots, per entity and
service (the attr_changes() table macro of sql/59), with the snapshots the two dates resolved to."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from analyzer.errors import ConfigError
from analyzer.names import normalize_name
from analyzer.report.query import require_views
from analyzer.workspace import Workspace

COLUMNS = (
    "entity_id",
    "entity_name",
    "service",
    "provider_id",
    "provider_name",
    "provider_parent",
    "change",
    "from_snapshot",
    "to_snapshot",
    "both_observed",
)
# What a terminal table shows (the snapshots are in its title).
TABLE_COLUMNS = (*COLUMNS[:7], "both_observed")

# An entity by id, by its normalised name or alias, or by a part of its name.
_MATCHING = """
select entity_id
from entities
where entity_id = ?
    or entity_id in (select entity_id from entity_names where normalized = ?)
    or contains(lower(name), lower(?))
"""


@dataclass(frozen=True)
class Changes:
    from_date: dt.date
    to_date: dt.date
    from_snapshot: dt.date
    to_snapshot: dt.date
    rows: list[dict[str, Any]]

    def describe(self) -> str:
        """'snapshot 2022-06-01 (nearest to 2022-07-15) → snapshot 2024-06-01'."""

        def one(asked: dt.date, snapshot: dt.date) -> str:
            near = "" if asked == snapshot else f" (nearest to {asked.isoformat()})"
            return f"snapshot {snapshot.isoformat()}{near}"

        return f"{one(self.from_date, self.from_snapshot)} → {one(self.to_date, self.to_snapshot)}"

    def notes(self) -> list[str]:
        """What the output says beside the rows: the snapshots compared, and when nothing changed."""
        lines = [f"comparing {self.describe()}"]
        if self.from_snapshot == self.to_snapshot:
            lines.append("both dates resolve to the same snapshot: nothing to compare")
        elif not self.rows:
            lines.append("no provider was added or removed")
        return lines


def _snapshot(ws: Workspace, flag: str, on: dt.date) -> dt.date:
    """The loaded DNS snapshot nearest to `on` (sql/56), or a one-line error saying why there is none."""
    row = ws.rows(
        "select attr_nearest_snapshot(?) as snapshot, "
        "(select min(observed_on) from attr_store_datasets) as first_snapshot",
        [on],
    )[0]
    if row["first_snapshot"] is None:
        raise ConfigError("no DNS snapshot is loaded: load one with `analyzer ingest dns FILE` first")
    if row["snapshot"] is None:
        raise ConfigError(
            f"{flag} {on.isoformat()} is before the first DNS snapshot ({row['first_snapshot'].isoformat()}): "
            "nothing was observed then; use a date on or after it"
        )
    return row["snapshot"]  # type: ignore[no-any-return]


def diff(ws: Workspace, from_date: dt.date, to_date: dt.date, entity: str | None = None) -> Changes:
    """Providers added and removed between the snapshots nearest to the two dates; with `entity`
    (an id, a name or alias, or part of a name) only that entity's rows."""
    require_views(ws, "attr_entity_services")
    from_snapshot = _snapshot(ws, "--from", from_date)
    to_snapshot = _snapshot(ws, "--to", to_date)
    columns = ", ".join(COLUMNS)
    query = f"select {columns} from attr_changes(?, ?)"  # noqa: S608 - fixed column names
    params: list[Any] = [from_date, to_date]
    if entity:
        ids = [r["entity_id"] for r in ws.rows(_MATCHING, [entity, normalize_name(entity), entity])]
        if not ids:
            raise ConfigError(
                f"--entity {entity!r} matches no listed entity; see `analyzer entities --search`"
            )
        query += " where list_contains(?, entity_id)"
        params.append(ids)
    rows = ws.rows(query, params)
    return Changes(from_date, to_date, from_snapshot, to_snapshot, rows)

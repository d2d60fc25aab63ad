"""Watchlist queries: the `entities` view filtered by list, country and a normalised name search
(the entities_filtered() table macro of sql/64)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from analyzer.names import normalize_name
from analyzer.workspace import Workspace

if TYPE_CHECKING:
    import polars as pl

COLUMNS = (
    "entity_id",
    "name",
    "list_code",
    "country",
    "listed_on",
    "federal_register_notice",
    "source",
)


def _query(list_code: str | None, country: str | None, search: str | None) -> tuple[str, list[Any]]:
    """The entities_filtered() macro (sql/64) with its arguments; an empty filter is no filter."""
    args = [list_code or None, country or None, normalize_name(search) if search else None]
    return "select * from entities_filtered(?, ?, ?)", args


def find_entities(
    ws: Workspace,
    *,
    list_code: str | None = None,
    country: str | None = None,
    search: str | None = None,
) -> list[dict[str, Any]]:
    """Current watchlist entries; `search` ignores case, accents, punctuation and legal forms."""
    query, params = _query(list_code, country, search)
    return ws.rows(query, params)


def entities_frame(
    ws: Workspace,
    *,
    list_code: str | None = None,
    country: str | None = None,
    search: str | None = None,
) -> pl.DataFrame:
    query, params = _query(list_code, country, search)
    return ws.df(query, params)

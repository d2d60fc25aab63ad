"""Watchlist queries: the `entities` view filtered by list, country and a normalised name search."""

from __future__ import annotations

from typing import Any

import polars as pl

from analyzer.names import normalize_name
from analyzer.workspace import Workspace

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
    where, params = [], []
    if list_code:
        where.append("upper(e.list_code) = upper(?)")
        params.append(list_code)
    if country:
        where.append("list_contains(e.countries, upper(?))")
        params.append(country)
    if search:
        where.append(
            "e.entity_id in (select entity_id from entity_names where normalized like '%' || ? || '%')"
        )
        params.append(normalize_name(search))
    clause = f"where {' and '.join(where)}" if where else ""
    query = f"""
        select e.entity_id, e.name, e.list_code, e.country, e.listed_on, e.federal_register_notice,
               e.source, e.alt_names, e.countries, e.first_seen_on, e.last_seen_on
        from entities as e {clause}
        order by e.list_code, e.name, e.entity_id
    """  # noqa: S608 - the clause is built from fixed strings; values are parameters
    return query, params


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

"""`analyzer sql`: run a user's query and return its rows."""

from __future__ import annotations

from typing import Any

from analyzer import attribution, domain_store
from analyzer.errors import SQLError
from analyzer.workspace import Workspace


def run_query(ws: Workspace, query: str) -> list[dict[str, Any]]:
    """Rows of a query; statements without a result give an empty list."""
    if not query.strip():
        raise SQLError("empty query")
    attribution.ensure_if_stored(ws, query)
    domain_store.ensure_if_named(ws, query)
    cur = ws.execute(query)
    if cur.description is None:
        return []
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]

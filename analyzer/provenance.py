"""What is loaded: the datasets table, the problems each file reported, and the provider catalog
with where each of its facts came from."""

from __future__ import annotations

from typing import Any

from analyzer.workspace import Workspace


def loaded_datasets(ws: Workspace, kind: str | None = None) -> list[dict[str, Any]]:
    """One row per loaded file: kind, format, source, snapshot date and how it was found
    (`date_source`, null for files loaded before analyzer recorded it), counts, sha256."""
    where = "where kind = ?" if kind else ""
    return ws.rows(
        f"""
        select dataset_id, kind, format, label, source, snapshot_date, date_source, loaded_at, rows_loaded,
               rows_rejected, warnings, bytes, sha256, status
        from datasets {where}
        order by dataset_id
        """,  # noqa: S608 - fixed clause
        [kind] if kind else None,
    )


def load_issues(ws: Workspace, dataset_id: int) -> list[dict[str, Any]]:
    return ws.rows(
        "select line, severity, message from load_issues where dataset_id = ? order by line nulls first",
        [dataset_id],
    )


def catalog_providers(ws: Workspace, search: str | None = None) -> list[dict[str, Any]]:
    """The catalog as users see it (sql/65 providers_filtered): per provider its services, counts of
    hostname patterns, loaded published ranges and ASNs, and the files each came from; `search` (empty:
    no filter) is matched, ignoring case, in the id, names, parent and hostname patterns."""
    return ws.rows("select * from providers_filtered(?)", [search or None])

"""What is loaded: the datasets table and the problems each file reported."""

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

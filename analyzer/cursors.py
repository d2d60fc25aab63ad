"""Reading a DuckDB result without leaving it open: below the workspace, for every module that queries."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa


def first_row(cursor: Any) -> tuple[Any, ...] | None:
    """The first row of an executed query, fetched to the end: a fetchone() would leave the result
    open, and DuckDB 2 then refuses con.sql() and relations on the connection."""
    rows = cursor.fetchall()
    return rows[0] if rows else None


def arrow_of(cursor: Any) -> pa.Table:
    """An executed query's result as Arrow. DuckDB 2 warns that this copies the rows and suggests
    con.sql(); but con.sql refuses to run while an earlier execute() result is not fetched to the
    end (every fetchone() leaves one), so the copy is the price of a usable connection."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Arrow output on a DB-API result", category=UserWarning)
        return cursor.to_arrow_table()

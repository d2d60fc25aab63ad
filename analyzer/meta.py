"""`analyzer_meta`: the database's facts about itself (schema version, sql/ digest, reference data and
input fingerprints), one key/value table read and written only through these two functions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from analyzer.cursors import first_row

if TYPE_CHECKING:
    import duckdb

TABLE_DDL = "create table if not exists analyzer_meta (key varchar primary key, value varchar)"


def get_meta(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    """The value stored under `key`, None when there is none."""
    row = first_row(con.execute("select value from analyzer_meta where key = ?", [key]))
    return row[0] if row else None


def set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    """Store `value` under `key` (inside the caller's transaction, if any)."""
    con.execute("insert or replace into analyzer_meta (key, value) values (?, ?)", [key, value])

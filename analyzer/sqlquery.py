"""`analyzer sql`: run a user's query and return its rows.

Read-only unless asked (DESIGN §4): the CLI opens the database read-only, and statements that
write files, attach other databases or fetch extensions (COPY, EXPORT, ATTACH, INSTALL/LOAD ...)
are refused without `write=True`. A query naming a remote URL is refused either way: analyzer works
offline, and with extension auto-loading off DuckDB could not read it anyway. So are INSTALL/LOAD
and a SET of the extension settings, with --write too: DuckDB would download the extension.
"""

from __future__ import annotations

import re
from typing import Any

import duckdb

from analyzer import attribution, domain_store
from analyzer.errors import SQLError
from analyzer.safe_text import shown
from analyzer.workspace import Workspace

# Statement types that only read (StatementType names of DuckDB's parser).
READ_ONLY = frozenset({"SELECT", "EXPLAIN", "PRAGMA", "CALL", "RELATION"})
_REMOTE = re.compile(
    r"""['"]\s*((?:https?|s3a?|s3n|gcs|gs|r2|az|azure|abfss?|hf|md|motherduck)://?[^'"]*)""", re.I
)
# Settings that would let DuckDB fetch or load extensions (autoinstall_known_extensions, ...).
_EXTENSION_SETTING = re.compile(r"extension|lock_configuration", re.I)


def check_query(ws: Workspace, query: str, *, write: bool = False) -> None:
    """Refuse what a read-only `analyzer sql` must not do, with the statement type named."""
    remote = _REMOTE.search(query)
    if remote:
        raise SQLError(
            f"the query names the remote location {shown(remote.group(1))}: analyzer works offline; "
            "download the file and read it by its local path"
        )
    try:
        statements = ws.con.extract_statements(query)
    except duckdb.Error as exc:
        raise SQLError(f"query failed: {str(exc).splitlines()[0]}") from exc
    for statement in statements:
        kind = statement.type.name
        if kind == "LOAD" or (kind == "SET" and _EXTENSION_SETTING.search(statement.query)):
            what = (
                "INSTALL and LOAD of DuckDB extensions are"
                if kind == "LOAD"
                else "a SET of extension settings is"
            )
            raise SQLError(
                f"analyzer works offline: {what} refused, with --write too (DuckDB would download "
                "extensions from the Internet)"
            )
        if not write and kind not in READ_ONLY:
            raise SQLError(
                f"`analyzer sql` is read-only: a {kind} statement needs --write "
                "(it could change the database or write files)"
            )


def run_query(ws: Workspace, query: str, *, write: bool = False) -> list[dict[str, Any]]:
    """Rows of a query; statements without a result give an empty list."""
    if not query.strip():
        raise SQLError("empty query")
    check_query(ws, query, write=write)
    attribution.ensure_if_stored(ws, query)
    domain_store.ensure_if_named(ws, query)
    if not write:
        # SET cannot switch extension auto-loading (or anything else) back on for this query.
        ws.con.execute("set lock_configuration = true")
    cur = ws.execute(query)
    if cur.description is None:
        return []
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]

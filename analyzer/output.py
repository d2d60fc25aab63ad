"""Rendering rows for people (rich tables) and for scripts (CSV, JSON): one place for all commands.

Data is hostile (analyzer.safe_text): table cells are printed literally with control characters
escaped, and CSV cells that a spreadsheet would run as a formula get a leading `'`."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from analyzer.safe_text import SafeConsole, csv_row, json_dumps, text

FORMATS = ("table", "csv", "json")


def jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def to_json(rows: Sequence[dict[str, Any]]) -> str:
    return json_dumps([jsonable(r) for r in rows], indent=2)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(jsonable(value), ensure_ascii=False)
    return str(jsonable(value))


def _csv_value(value: Any) -> Any:
    """Numbers stay numbers (so that csv_cell leaves a negative number alone); the rest is text."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | decimal.Decimal):
        return jsonable(value)
    return _cell(value)


def to_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    columns = list(columns or (rows[0].keys() if rows else []))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(csv_row([_csv_value(row.get(c)) for c in columns]))
    return buf.getvalue()


def table(
    rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None, title: str | None = None
) -> Table:
    columns = list(columns or (rows[0].keys() if rows else []))
    t = Table(title=text(title) if title is not None else None, show_lines=False, header_style="bold")
    for c in columns:
        t.add_column(text(c), overflow="fold")
    for row in rows:
        t.add_row(*(text(_cell(row.get(c))) for c in columns))
    return t


def render(
    rows: Sequence[dict[str, Any]],
    fmt: str = "table",
    columns: Sequence[str] | None = None,
    title: str | None = None,
    console: Console | None = None,
) -> str | None:
    """Return CSV/JSON text, or print a table to the console (and return None)."""
    if fmt == "json":
        return to_json(rows)
    if fmt == "csv":
        return to_csv(rows, columns)
    (console or SafeConsole()).print(table(rows, columns, title))
    return None

"""Rendering rows for people (rich tables) and for scripts (CSV, JSON): one place for all commands.

Data is hostile (analyzer.safe_text): table cells are printed literally with control characters
escaped, and CSV cells that a spreadsheet would run as a formula get a leading `'`."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from analyzer.safe_text import SafeConsole, csv_arrow, csv_row, json_bytes, json_dumps, text

# numpy, polars and pyarrow load with the first streamed part (the bulk writers below): the row
# renderers that every other command uses need none of them (start-up time).
if TYPE_CHECKING:
    import numpy as np
    import polars as pl
    import pyarrow as pa

FORMATS = ("table", "csv", "json")
# `analyzer report`: its own formats (Markdown and HTML are documents, not rows).
REPORT_FORMATS = ("table", "md", "csv", "json", "html")


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


# Streamed output (bulk `analyzer lookup -`): each part of an answer is written as it comes, as
# JSON lines or CSV rows; Arrow parts are rendered by polars, never row by row in Python. They
# follow the same cell rules as to_json/to_csv above (dates ISO, lists joined by "; " in CSV).


@dataclass(frozen=True)
class JsonParts:
    """Rows already rendered as JSON, in pieces: row i is the concatenation of the pieces' i-th
    texts (a str piece is the same text on every row). The pieces are JSON safe as they are: rendered
    by SQL and escaped once when loaded (safe_text.json_texts), or IPv4 texts; so a line is joined by
    polars, not by a Python object per row, and the output needs no scan. `pieces` may be a function
    that gives them: whoever renders the part computes them (a bulk lookup's render threads)."""

    pieces: list[pl.Series | str] | Callable[[], list[pl.Series | str]]


def json_line_buffers(part: pa.Table | JsonParts | Sequence[dict[str, Any]]) -> list[bytes | pa.Buffer]:
    """One JSON object per row, one per line (UTF-8), as buffers to write one after the other:
    JsonParts lines are written from the buffers polars joined them into, without a copy."""
    import numpy as np
    import polars as pl
    import pyarrow as pa

    if isinstance(part, JsonParts):
        pieces = part.pieces() if callable(part.pieces) else part.pieces
        columns = {f"p{i}": p for i, p in enumerate(pieces) if not isinstance(p, str)}
        if not columns or not len(next(iter(columns.values()))):
            return [b""]
        exprs = [pl.lit(p) if isinstance(p, str) else pl.col(f"p{i}") for i, p in enumerate(pieces)]
        lines = pl.DataFrame(columns).select(pl.concat_str([*exprs, pl.lit("\n")]).alias("line")).to_series()
        views = lines.to_arrow(compat_level=pl.CompatLevel.newest())
        buffers = _back_to_back(views) if isinstance(views, pa.StringViewArray) else None
        if buffers is not None:
            return buffers
        array = lines.to_arrow()
        array = array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
        # the lines are back to back in the array's data buffer: write it, not one string per row
        width = np.int64 if pa.types.is_large_string(array.type) else np.int32
        offsets = np.frombuffer(array.buffers()[1], width, len(array) + 1, width().itemsize * array.offset)
        return [array.buffers()[2][int(offsets[0]) : int(offsets[-1])]]
    if isinstance(part, pa.Table):
        buf = io.BytesIO()
        frame = pl.from_arrow(part)
        assert isinstance(frame, pl.DataFrame)
        frame.write_ndjson(buf)
        return [json_bytes(buf.getvalue())]
    return ["".join(json_dumps(jsonable(r)) + "\n" for r in part).encode()]


def _back_to_back(array: pa.StringViewArray) -> list[pa.Buffer] | None:
    """The data buffers of a string view array when they hold its strings in order, back to back
    and nothing else (what polars builds for a computed column); else None. Checked on the views
    (Arrow's layout: length, prefix, buffer index, offset), so a layout that differs is not used."""
    import numpy as np

    if not len(array) or array.null_count:
        return None
    views = np.frombuffer(array.buffers()[1], np.int32).reshape(-1, 4)[
        array.offset : array.offset + len(array)
    ]
    lengths = views[:, 0].astype(np.int64)
    if int(lengths.min()) <= 12:  # strings of up to 12 bytes are held in their view
        return None
    data = array.buffers()[2:]
    base = np.concatenate(([0], np.cumsum([b.size for b in data], dtype=np.int64)))
    if bool((views[:, 2] >= len(data)).any()):
        return None
    starts = base[views[:, 2]] + views[:, 3]
    ends = np.cumsum(lengths)
    if starts[0] != 0 or ends[-1] != base[-1] or not np.array_equal(starts[1:], ends[:-1]):
        return None
    return [b for b in data if b.size]


def csv_lines(part: pa.Table | Sequence[dict[str, Any]], columns: Sequence[str], *, header: bool) -> bytes:
    """CSV rows of `columns` (a missing column is empty), with the header line when `header`."""
    import polars as pl
    import pyarrow as pa

    if not isinstance(part, pa.Table):
        text = to_csv(part, columns)
        return (text if header else text.split("\n", 1)[1]).encode()
    frame = pl.from_arrow(part)
    assert isinstance(frame, pl.DataFrame)
    cells = []
    for c in columns:
        if c not in frame.columns:
            cells.append(pl.lit(None, pl.String).alias(c))
        elif isinstance(frame.schema[c], pl.List):
            inner = frame.schema[c].inner  # type: ignore[union-attr]
            # a list of structs (origin_providers) as JSON objects, like _cell; others as text
            element = pl.element().struct.json_encode() if isinstance(inner, pl.Struct) else pl.element()
            cells.append(pl.col(c).list.eval(element.cast(pl.String)).list.join("; ").alias(c))
        elif isinstance(frame.schema[c], pl.Struct):
            cells.append(pl.col(c).struct.json_encode().alias(c))
        else:
            cells.append(pl.col(c))
    safe = pl.from_arrow(csv_arrow(frame.select(cells).to_arrow()))  # formula cells neutralised
    assert isinstance(safe, pl.DataFrame)
    buf = io.BytesIO()
    safe.write_csv(buf, include_header=header)
    return buf.getvalue()


# Rows rendered at once by csv_records: the writer's temporaries are those of a slice, not of the whole.
CSV_RECORD_ROWS = 4096


def csv_records(
    part: pa.Table, columns: Sequence[str], *, lead: bytes = b"", end: bytes = b""
) -> tuple[np.ndarray, memoryview]:
    """Each row's CSV cells of `columns` as csv_lines writes them, after `lead` and before `end` in
    place of the line's end (a byte each, or nothing): pieces a writer joins into CSV lines with
    cells of its own (the point file of analyzer.lookup_file), byte for byte the lines csv_lines
    writes. As the offsets of each record in one buffer, and the buffer. A newline ends a record
    where it is not inside quotes: after an even count of quote characters (RFC 4180, as polars
    writes). ValueError when the records do not come out one per row."""
    import numpy as np

    if len(lead) > 1 or len(end) > 1:
        raise ValueError("lead and end are a byte each at most")
    lengths, texts = [], []
    for first in range(0, part.num_rows, CSV_RECORD_ROWS):
        rows = part.slice(first, CSV_RECORD_ROWS)
        buf = np.frombuffer(csv_lines(rows, columns, header=False), dtype=np.uint8)
        newlines = np.flatnonzero(buf == 10)
        # the quotes before each newline, by a search of the quotes' positions (no count per byte)
        ends = newlines[np.searchsorted(np.flatnonzero(buf == 34), newlines) % 2 == 0]
        if len(ends) != rows.num_rows or int(ends[-1]) != len(buf) - 1:
            raise ValueError(f"{len(ends)} CSV records for {rows.num_rows} rows")
        starts = np.concatenate(([0], ends[:-1] + 1))
        if end:
            buf = buf.copy()
            buf[ends] = end[0]
        else:
            buf = np.delete(buf, ends)
            starts -= np.arange(len(starts))
        texts.append(np.insert(buf, starts, lead[0]) if lead else buf)
        lengths.append(np.diff(np.concatenate((starts, [len(buf)]))) + len(lead))
    offsets = np.zeros(part.num_rows + 1, dtype=np.int64)
    if lengths:
        np.cumsum(np.concatenate(lengths), out=offsets[1:])
    return offsets, memoryview(np.concatenate(texts) if texts else np.zeros(0, dtype=np.uint8))


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

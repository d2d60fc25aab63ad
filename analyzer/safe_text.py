"""Data strings made safe for where they are shown: the terminal, Markdown, CSV, messages.

Every string that comes from a file, a database row or a path is hostile until shown through here:
- terminal: `text()`/`visible()` print it literally (no rich markup, no live `[link=...]`) with its
  control characters (ESC, NUL, CR, bidi overrides ...) escaped visibly as `\\x1b`, `\\u202e`;
  `SafeConsole` does that to every plain string it prints, so a caller cannot forget;
- Markdown: `md()` escapes HTML and the inline Markdown syntax (`[x](y)`, `*`, `|` ...);
- CSV: `csv_cell()` neutralises formula cells the OWASP way (a `'` before a text cell starting
  with `=`, `+`, `-`, `@`, tab or CR; numbers stay numbers), also for Arrow columns (`csv_arrow`);
- messages: `shown()` quotes and shortens an echoed value (80 characters and an ellipsis).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

# numpy, polars and pyarrow are imported by the functions of bulk output that use them: every
# command prints through this module, and most never load them (start-up time).
if TYPE_CHECKING:
    import polars as pl
    import pyarrow as pa

# C0 controls except newline and tab, DEL, C1 controls, and the Unicode controls that reorder or
# hide text on a terminal (bidi overrides and isolates, zero-width joiners, line/paragraph separators).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")
# The same with newline and tab: for one-line values (table cells keep their newlines).
_CONTROL_ALL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")

SHOWN_LIMIT = 80


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(value: Any, *, one_line: bool = False) -> str:
    """`value` as text with its control characters shown as escapes (`\\x1b[2J` prints as such)."""
    text = "" if value is None else str(value)
    return (_CONTROL_ALL if one_line else _CONTROL).sub(_escape_char, text)


def text(value: Any, style: str | None = None) -> Text:
    """A rich Text that prints `value` literally: never markup, control characters escaped."""
    return Text(visible(value), style=style or "")


def shorten(value: Any, limit: int = SHOWN_LIMIT) -> str:
    """At most `limit` characters, an ellipsis marking a cut."""
    s = "" if value is None else str(value)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def shown(value: Any, limit: int = SHOWN_LIMIT) -> str:
    """An echoed value in a message: quoted like repr(), shortened, control characters escaped."""
    return repr(shorten(value, limit))


class SafeConsole(Console):
    """A Console for data: a plain string given to `print` is shown literally (no markup, control
    characters escaped) whatever the caller asks; renderables (tables, trees, Text) pass as they are,
    so their data cells must be built with `text()`."""

    def print(self, *objects: Any, **kwargs: Any) -> None:  # type: ignore[override]
        kwargs.pop("markup", None)
        kwargs.setdefault("highlight", False)
        safe = [text(o) if isinstance(o, str) else o for o in objects]
        super().print(*safe, markup=False, **kwargs)


# json.dumps escapes C0 controls itself; these it leaves raw, and a terminal would act on them.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")


def json_dumps(value: Any, **kwargs: Any) -> str:
    """JSON text (UTF-8, not ASCII-escaped) with DEL, C1 and bidi controls as \\u escapes: the
    same data for a parser, inert on a terminal."""
    return _json_escape(json.dumps(value, ensure_ascii=False, **kwargs))


def _json_escape(text: str) -> str:
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


# The first UTF-8 byte of every _JSON_UNSAFE character (DEL; C1 is C2 xx; U+2xxx is E2; U+FEFF EF):
# all at least 0x7F, so text without such a byte (ASCII, the bulk of any output) needs one pass.
_JSON_UNSAFE_LEADS = (0x7F, 0xC2, 0xE2, 0xEF)


def json_bytes(data: bytes | pa.Buffer) -> bytes | pa.Buffer:
    """Rendered JSON (lines) with DEL, C1 and bidi controls as \\u escapes, as json_dumps does: for
    JSON written by other writers (polars, DuckDB). Returned as it is when it holds none of them."""
    import numpy as np

    view = np.frombuffer(data, np.uint8)
    high = view[view >= 0x7F]  # one pass; then only the non-ASCII bytes are looked at
    if not len(high) or not np.isin(high, _JSON_UNSAFE_LEADS).any():
        return data
    return _json_escape(bytes(data).decode("utf-8")).encode()


def json_texts(texts: pl.Series) -> pl.Series:
    """JSON texts (a String column rendered by DuckDB or polars) with DEL, C1 and bidi controls as
    \\u escapes, as json_bytes does to a whole output: for JSON pieces stored once and written
    many times (the bulk lookup's parts), so that the output made of them needs no scan. Only the
    texts holding such a character are rewritten."""
    import polars as pl

    ascii_only = texts.str.len_bytes().sum() == texts.str.len_chars().sum()
    if ascii_only and not texts.str.contains("\x7f", literal=True).any():
        return texts  # below DEL, where no unsafe character is: two counts, faster than the regex
    unsafe = texts.str.contains(_JSON_UNSAFE.pattern).fill_null(False)
    if not unsafe.any():
        return texts
    rows = unsafe.arg_true()
    fixed = pl.Series([_json_escape(t) for t in texts.gather(rows).to_list()], dtype=pl.String)
    return texts.clone().scatter(rows, fixed)


def terminal_bytes(data: bytes | pa.Buffer) -> bytes:
    """Bytes bound for a terminal (streamed CSV or JSON) with their control characters escaped."""
    return visible(bytes(data).decode("utf-8", errors="replace")).encode()


# -- Markdown ---------------------------------------------------------------------------------
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md(value: Any) -> str:
    """A table cell or inline text in Markdown: HTML escaped (`<script>` shows as text), Markdown
    punctuation backslash-escaped (no links, images or emphasis from data), one line."""
    s = visible(value, one_line=True).replace("\n", " ")
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return _MD_SPECIAL.sub(r"\\\1", s)


def md_code(value: Any) -> str:
    """Text for a Markdown code span (`...`): renderers show HTML in it literally; backticks,
    which would end the span, are dropped."""
    return visible(value, one_line=True).replace("`", "")


# -- CSV --------------------------------------------------------------------------------------
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def csv_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run: a text cell starting with `=`, `+`, `-`, `@`, tab or
    CR gets a leading `'` (OWASP); numbers, and text that is just a number (`-5`, `+1.5`), stay."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def csv_row(values: list[Any]) -> list[Any]:
    return [csv_cell(v) for v in values]


def csv_arrow(table: pa.Table) -> pa.Table:
    """`csv_cell` over every string column of an Arrow table (for bulk CSV writers)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            risky = pc.and_(
                pc.match_substring_regex(column, r"^[=+\-@\t\r]"),
                pc.invert(pc.match_substring_regex(column, _PLAIN_NUMBER.pattern)),
            )
            quote, empty = pa.scalar("'", column.type), pa.scalar("", column.type)
            column = pc.if_else(risky, pc.binary_join_element_wise(quote, column, empty), column)
        columns.append(column)
    return pa.table(columns, names=table.column_names)

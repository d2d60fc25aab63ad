"""What each `sql/` statement defines and reads, without a SQL parser (no optional dependency).

The Spark job builds the views an answer needs, in file order, and `analyzer export` writes the tables
they read; both take the list from here, so a view added or renumbered in `sql/` is followed without
editing either. A name counts as read when it occurs as an identifier in the statement's text (comments
and string literals removed): an over-approximation that can only add a table, never miss one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from analyzer.errors import SQLError

_DEFINES = re.compile(
    r"^\s*create\s+(?:or\s+replace\s+)?(table|view|macro|sequence)\s+(?:if\s+not\s+exists\s+)?(\w+)",
    re.IGNORECASE,
)
# a string literal, a quoted identifier or a comment, whichever starts first
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*")
_COMMENTS = re.compile(r"'(?:[^']|'')*'|--[^\n]*")
_OTHER = re.compile(r"^\s*(alter|drop|insert|update|delete|set|comment)\b", re.IGNORECASE)
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Definition:
    """One statement of a `sql/` file: a table, view, macro or sequence."""

    kind: str  # table | view | macro | sequence
    name: str
    file: str  # the file name, for messages only (never a key)
    sql: str  # the statement, without its trailing semicolon
    reads: frozenset[str]  # identifiers of the statement (a superset of the names it reads)


def split_statements(text: str) -> list[str]:
    """The statements of a SQL script, split at semicolons outside strings, identifiers and comments."""
    out, start, i, n = [], 0, 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "'\"":
            end = i + 1
            while end < n:
                if text[end] == ch:
                    if end + 1 < n and text[end + 1] == ch:  # doubled quote inside the literal
                        end += 2
                        continue
                    break
                end += 1
            i = end + 1
        elif text.startswith("--", i):
            nl = text.find("\n", i)
            i = n if nl < 0 else nl
        elif ch == ";":
            out.append(text[start:i])
            start = i = i + 1
        else:
            i += 1
    out.append(text[start:])
    return [s.strip() for s in out if strip_comments(s).strip()]


def strip_comments(sql: str) -> str:
    """The statement without `--` comments and with string literals emptied (identifiers only)."""
    return _TOKENS.sub(
        lambda m: "''" if m.group(0).startswith("'") else ("" if m.group(0).startswith("-") else m.group(0)),
        sql,
    )


def definitions(files: Sequence[Path]) -> list[Definition]:
    """Every definition of the files, in application order (a later definition of a name wins)."""
    defs: list[Definition] = []
    for f in files:
        for stmt in split_statements(f.read_text(encoding="utf-8")):
            m = _DEFINES.match(strip_comments(stmt))
            if not m:
                if not _OTHER.match(strip_comments(stmt)):
                    raise SQLError(f"sql/{f.name}: a statement this reader does not know: {stmt[:60]!r}")
                continue  # alter/drop: migrations of old databases, nothing another engine builds
            # words inside string literals count too: a table macro takes its table's name as text
            body = _COMMENTS.sub(lambda c: c.group(0) if c.group(0).startswith("'") else "", stmt)[m.end() :]
            reads = frozenset(w.lower() for w in _IDENT.findall(body)) - {m.group(2).lower()}
            defs.append(Definition(m.group(1).lower(), m.group(2).lower(), f.name, stmt, reads))
    return defs


def closure(
    defs: Iterable[Definition], targets: Iterable[str], reads: Mapping[str, Iterable[str]] | None = None
) -> list[Definition]:
    """The definitions `targets` need, transitively, in application order (targets included);
    `reads` replaces what some names read (an override reads other names than its `sql/` text)."""
    by_name: dict[str, Definition] = {}
    order: dict[str, int] = {}
    for pos, d in enumerate(defs):
        by_name[d.name] = d
        order[d.name] = pos
    need: set[str] = set()
    todo = [t.lower() for t in targets]
    while todo:
        name = todo.pop()
        if name in need:
            continue
        if name not in by_name:
            raise SQLError(f"{name} is defined by no sql/ file")
        need.add(name)
        names = reads[name] if reads and name in reads else by_name[name].reads
        todo.extend(r for r in names if r in by_name and r != name and r not in need)
    return sorted((by_name[n] for n in need), key=lambda d: order[d.name])

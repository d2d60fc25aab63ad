"""CSV exports of resolvers: `name,type,value[,ttl]`, with or without that header line."""

from __future__ import annotations

import csv

from analyzer.dns.load import BatchWriter
from analyzer.errors import SourceError
from analyzer.ingest.base import LoadContext, open_text
from analyzer.safe_text import shown

HEADER = ("name", "type", "value", "ttl")
# Lines looked at before deciding that a file is not a DNS export at all.
SHAPE_LINES = 20


def check_shape(ctx: LoadContext) -> None:
    """Refuse, in one line, a file none of whose first lines has the name,type,value[,ttl] shape
    (a list of domains, another kind's CSV): it would otherwise load empty with every line rejected."""
    seen = 0
    first: tuple[int, int] | None = None
    with open_text(ctx.path) as fh:
        reader = csv.reader(fh)
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if [c.strip().lower() for c in row[:3]] == list(HEADER[:3]) or len(row) in (3, 4):
                return
            first = first or (reader.line_num, len(row))
            seen += 1
            if seen >= SHAPE_LINES:
                break
    if first is not None:
        raise SourceError(
            ctx.path,
            f"not a DNS export: none of the first {seen} line(s) has the name,type,value[,ttl] fields "
            f"(line {first[0]} has {first[1]})",
        )


def load(ctx: LoadContext, writer: BatchWriter) -> int:
    written = 0
    with open_text(ctx.path) as fh:
        reader = csv.reader(fh)
        for row in reader:
            line = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if line == 1 and [c.strip().lower() for c in row[:3]] == list(HEADER[:3]):
                for extra in row[4:]:
                    ctx.issues.warn_once(
                        f"column:{extra}", f"unexpected column {shown(extra)} (not loaded)", 1
                    )
                continue
            if len(row) not in (3, 4):
                ctx.issues.reject(line, f"expected name,type,value[,ttl], got {len(row)} fields")
                continue
            ttl = None
            if len(row) >= 4 and row[3].strip():
                if not row[3].strip().isdigit():
                    ctx.issues.reject(line, f"ttl {row[3]!r} is not a whole number")
                    continue
                ttl = int(row[3])
            writer.add(line, row[0].strip(), row[1].strip(), row[2].strip(), None, ttl)
            written += 1
    return written

"""CSV exports of resolvers: `name,type,value[,ttl]`, with or without that header line."""

from __future__ import annotations

import csv

from analyzer.dns.load import BatchWriter
from analyzer.ingest.base import LoadContext, open_text

HEADER = ("name", "type", "value", "ttl")


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
                    ctx.issues.warn_once(f"column:{extra}", f"unexpected column {extra!r} (not loaded)", 1)
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

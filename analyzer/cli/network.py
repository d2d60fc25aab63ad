"""`analyzer lookup`: attribution of addresses and of hostnames (through the loaded DNS snapshots)."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, BinaryIO

import typer

from analyzer import lookup_file, settings
from analyzer.cli.app import command, db_path, debugging, err
from analyzer.cli.options import DbOption, check_format
from analyzer.cli.ordered_output import ordered_output

# Bulk input is read in blocks of this many bytes (about 4,500 IPv4 lines): memory stays bounded
# and the first answers are printed while the rest of the input is still coming.
BLOCK_BYTES = 65536
# Parts of lines (about 0.6 MB of JSON each) joined ahead of the writer at most.
WRITE_AHEAD = 4


@command("lookup")
def lookup(
    items: Annotated[
        list[str],
        typer.Argument(
            help="IP addresses or hostnames; '-' reads them from stdin, one per line (streamed: "
            "JSON lines or CSV rows in input order, printed as they are ready)."
        ),
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="JSON: the whole answer per address or hostname (= --format json).")
    ] = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")] = "table",
    db: DbOption = None,
) -> None:
    """Attribution of addresses (published ranges, routing table, AS organisations, and the certificates
    TLS scans saw them serve) and of hostnames (CNAME chain, final addresses attributed, MX/NS/TXT of
    the domain, from the latest DNS snapshot).

    With arguments, JSON is one indented array. With '-' (bulk), JSON is one object per line and CSV
    one row per address (per final address of a hostname), written while the input is read."""
    fmt = "json" if as_json else check_format(fmt)
    if "-" in items:
        _bulk(items, fmt, db)
        return
    from analyzer.cli import lookup_engine

    lookup_engine.single(items, fmt, db)


def _chunks(items: list[str], stdin: BinaryIO) -> Iterator[list[str] | bytes]:
    """The arguments in order, '-' replaced by stdin's lines in blocks of about BLOCK_BYTES (whole
    lines, as bytes: stream_lookup parses a block of bare IPv4 lines without a str per line)."""
    for item in items:
        if item != "-":
            yield [item]
            continue
        carry = b""
        while block := stdin.read(BLOCK_BYTES):
            data = carry + block
            cut = data.rfind(b"\n") + 1
            carry = data[cut:]
            if cut:
                yield data[:cut]
        if carry:
            yield carry


def _debug(message: str) -> None:
    """With --debug: why a bulk lookup left the point file (memory and speed are the engine's)."""
    if debugging():
        err.print(f"lookup: {message}", markup=False, highlight=False)


def _bulk(items: list[str], fmt: str, db: Path | None) -> None:
    """Stream the answers of `items` ('-' is stdin): JSON lines or CSV rows of plain addresses from
    the point file while it is current and the input is only addresses; the rest through the engine."""
    chunks: Iterator[list[str] | bytes] | None = _chunks(items, sys.stdin.buffer)
    started = False
    if fmt in ("json", "csv") and items == ["-"]:
        chunks, started = _from_point_file(chunks, settings.db_path(db_path(db)), fmt)
    else:
        _debug("the engine answers: the point file answers `lookup -` alone (stdin, JSON lines or CSV)")
    if chunks is not None:
        from analyzer.cli import lookup_engine  # the engine, only when the file cannot answer

        lookup_engine.bulk(chunks, fmt, db, header=not started)


def _from_point_file(
    chunks: Iterator[list[str] | bytes], db: Path, fmt: str
) -> tuple[Iterator[list[str] | bytes] | None, bool]:
    """Write the lines of each block in `fmt` from the database's point file, without the engine.
    Gives the chunks left (from the first block that is not only dotted-quad lines; all of them
    when the file is missing, not current or lacks `fmt`), None when all were answered, and
    whether anything was written (the CSV header is then out)."""
    store = lookup_file.opened(db)
    if isinstance(store, str):
        _debug(f"the engine answers: no current point file at {lookup_file.location(db)}: {store}")
        return chunks, False
    refusal = store.refusal(fmt)
    if refusal is not None:
        _debug(f"the engine answers: the point file at {lookup_file.location(db)}: {refusal}")
        return chunks, False
    rest: Iterator[list[str] | bytes] | None = None
    first = store.first(fmt)
    started = False
    with ordered_output(WRITE_AHEAD) as out:
        for chunk in chunks:
            # a list is an argument; with items == ["-"] every chunk is a block of stdin
            lines = store.lines(chunk, fmt) if isinstance(chunk, bytes) else None
            if lines is None:
                _debug("the engine answers from the first block holding a line that is not a dotted quad")
                rest = itertools.chain([chunk], chunks)
                break
            if not started:
                started = True
                if first:
                    out.put(first)
            for part in lines:
                out.put(part)
            if out.failed:
                break
    return (None if out.reader_left else rest), started

"""`analyzer lookup`: attribution of addresses and of hostnames (through the loaded DNS snapshots)."""

from __future__ import annotations

import itertools
import queue
import sys
import threading
from collections.abc import Iterator
from typing import Annotated, BinaryIO

import typer

from analyzer import lookup_file, settings
from analyzer.cli.app import command, db_path
from analyzer.cli.options import DbOption, check_format
from analyzer.safe_text import terminal_bytes

# Bulk input is read in blocks of this many bytes (about 4,500 IPv4 lines): memory stays bounded
# and the first answers are printed while the rest of the input is still coming.
BLOCK_BYTES = 65536
# Parts of JSON lines (about 0.6 MB each) joined ahead of the writer at most.
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
    _engine().single(items, fmt, db)


def _engine():  # type: ignore[no-untyped-def]
    """The engine's side of the command (analyzer.cli.lookup_engine), imported when it is needed."""
    from analyzer.cli import lookup_engine

    return lookup_engine


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


def _bulk(items: list[str], fmt: str, db: object) -> None:
    """Stream the answers of `items` ('-' is stdin): JSON lines of plain addresses from the point
    file while it is current and the input is only addresses; the rest through the engine."""
    chunks: Iterator[list[str] | bytes] | None = _chunks(items, sys.stdin.buffer)
    if fmt == "json" and items == ["-"]:
        chunks = _from_point_file(chunks, db)
    if chunks is not None:
        _engine().bulk(chunks, fmt, db)


def _from_point_file(chunks: Iterator[list[str] | bytes], db: object) -> Iterator[list[str] | bytes] | None:
    """Write the JSON lines of each block from the database's point file, without the engine; the
    chunks left (from the first block that is not only dotted-quad lines) when there are any, None
    when all were answered. All of them when the file is missing or not current. A writer thread
    writes while the next part is joined (a write to a pipe releases the GIL)."""
    store = lookup_file.current(settings.db_path(db_path(db)))  # type: ignore[arg-type]
    if store is None:
        return chunks
    sys.stdout.flush()
    sink = sys.stdout.buffer
    tty = sys.stdout.isatty()  # on a terminal control characters show escaped, as echo() does
    parts: queue.Queue[bytes | None] = queue.Queue(maxsize=WRITE_AHEAD)
    failure: list[BaseException] = []

    def write() -> None:
        try:
            while (data := parts.get()) is not None:
                sink.write(terminal_bytes(data) if tty else data)
                sink.flush()
        except BaseException as exc:  # handed to the main thread
            failure.append(exc)
            while parts.get() is not None:  # let the producer finish
                pass

    writer = threading.Thread(target=write, name="lookup-writer", daemon=True)
    writer.start()
    rest: Iterator[list[str] | bytes] | None = None
    try:
        for chunk in chunks:
            lines = store.json_lines(chunk) if isinstance(chunk, bytes) else None
            if lines is None:
                rest = itertools.chain([chunk], chunks)
                break
            for part in lines:
                parts.put(part)
            if failure:
                break
    finally:
        parts.put(None)
        writer.join()
    if failure:
        if isinstance(failure[0], BrokenPipeError):  # `| head`: the reader has all it wanted
            return None
        raise failure[0]
    return rest

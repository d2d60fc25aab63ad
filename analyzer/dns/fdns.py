"""Rapid7 Sonar FDNS: gzipped JSON lines `{"timestamp": "1640995200", "name", "type", "value"}`.

DuckDB's read_ndjson parses the data (explicit columns, no type guessing) straight into the INSERT;
a malformed line becomes an all-null row (ignore_errors) that is rejected and counted. Only when
there are such lines is the file read again in Python, to name their line numbers.

Why a decompressing thread: DuckDB reads a .gz file in one thread, and everything downstream of that
scan (normalisation, the on-disk insert) then runs in the same thread: 5x the `gzip -dc` time on two
cores. Here a Python thread inflates the file (zlib releases the GIL) into ~64 MiB chunks of plain
JSON lines in a temporary folder (at most 2 waiting), which DuckDB parses and inserts in parallel
while the next chunk is inflated. Memory stays at a few chunks; a corrupt or truncated gzip stream
is reported with its byte offset as soon as it is met.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import queue
import tempfile
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

from analyzer.dns.load import write_bulk
from analyzer.dns.progress import Reporter
from analyzer.errors import SourceError
from analyzer.ingest.base import MAX_STORED_ISSUES, LoadContext, open_text

CHUNK_BYTES = 64 << 20

FIELDS = ("timestamp", "name", "type", "value")

SOURCE = """
    select
        coalesce(
            ?::date,
            to_timestamp(try_cast(timestamp as bigint))::date,
            ?::date
        ) as observed_on,
        name,
        type as rtype,
        value,
        null::integer as preference,
        null::integer as ttl
    from read_ndjson(
        ?,
        columns = {timestamp: 'varchar', name: 'varchar', type: 'varchar', value: 'varchar'},
        format = 'newline_delimited',
        ignore_errors = true
    )
"""


def audit_fields(ctx: LoadContext, first_line: str) -> None:
    """Report fields of the first record that we do not load, once per file."""
    try:
        record = json.loads(first_line)
    except ValueError:
        return
    if isinstance(record, dict):
        for key in sorted(record.keys() - set(FIELDS)):
            ctx.issues.warn_once(f"field:{key}", f"unexpected field {key!r} (not loaded)", 1)


def load(
    ctx: LoadContext, fallback_date: dt.date, *, focus: str | None = None, count_rejects: bool = True
) -> int:
    """One pass of the file into raw_dns_records (focus: see load.FOCUS_SQL)."""
    before = ctx.issues.rejected
    path = Path(ctx.path)
    with path.open("rb") as fh:
        gzipped = fh.read(2) == b"\x1f\x8b"
    reporter = Reporter(path.name, path.stat().st_size, bool(ctx.options.get("quiet")))
    try:
        if gzipped:
            params = (
                [ctx.options.get("date"), fallback_date, str(chunk)]
                for chunk in inflated_chunks(path, reporter)
            )
            loaded = write_bulk(ctx, SOURCE, params, focus=focus, count_rejects=count_rejects, many=True)
        else:
            params_one = [ctx.options.get("date"), fallback_date, str(path)]
            loaded = write_bulk(ctx, SOURCE, params_one, focus=focus, count_rejects=count_rejects)
    finally:
        reporter.close()
    malformed = [s for s in ctx.issues.samples if s[2].startswith("malformed")]
    if count_rejects and ctx.issues.rejected > before and malformed:
        _locate_malformed(ctx)
    return loaded


def _locate_malformed(ctx: LoadContext) -> None:
    """Replace the line-less 'malformed' samples by ones naming each bad line (a slow second read,
    done only for files that have such lines)."""
    ctx.issues.samples = [s for s in ctx.issues.samples if not s[2].startswith("malformed")]
    with open_text(Path(ctx.path)) as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                problem = None if isinstance(record, dict) else "not a JSON object"
                if problem is None and any(record.get(f) is None for f in ("name", "type", "value")):
                    problem = "record without name, type or value"
            except ValueError as exc:
                problem = f"malformed JSON: {exc}"
            if problem and len(ctx.issues.samples) < MAX_STORED_ISSUES:
                ctx.issues.samples.append((number, "rejected", problem))


def inflated_chunks(path: Path, reporter: Reporter | None = None) -> Iterator[Path]:
    """Plain-text chunks of a gzip file, each ending at a line end, inflated by a background thread;
    each chunk file is deleted once the consumer asks for the next one."""
    chunks: queue.Queue[tuple[Path, int] | BaseException | None] = queue.Queue(maxsize=2)
    stop = threading.Event()
    with tempfile.TemporaryDirectory(prefix="analyzer-fdns-") as tmp:

        def put(item: tuple[Path, int] | BaseException | None) -> None:
            while not stop.is_set():
                try:
                    chunks.put(item, timeout=0.2)
                    return
                except queue.Full:
                    continue

        def produce() -> None:
            try:
                decomp = zlib.decompressobj(31)
                buf = bytearray()
                offset = number = 0

                def emit(upto: int) -> None:
                    nonlocal number
                    number += 1
                    chunk = Path(tmp) / f"chunk-{number:06d}.json"
                    with chunk.open("wb") as out:
                        out.write(memoryview(buf)[:upto])
                    del buf[:upto]
                    put((chunk, offset))

                with path.open("rb") as fh:
                    while (block := fh.read(1 << 20)) and not stop.is_set():
                        data = block
                        while data:
                            try:
                                buf += decomp.decompress(data)
                            except zlib.error as exc:
                                raise SourceError(
                                    path, f"corrupt gzip data at or after byte {offset:,}: {exc}"
                                ) from exc
                            data = b""
                            if decomp.eof and decomp.unused_data:  # another gzip member follows
                                data = decomp.unused_data
                                decomp = zlib.decompressobj(31)
                        offset += len(block)
                        if len(buf) >= CHUNK_BYTES:
                            cut = buf.rfind(b"\n") + 1
                            if cut:
                                emit(cut)
                if not decomp.eof:
                    raise SourceError(
                        path,
                        f"truncated gzip data: the file ends at byte {offset:,} inside the compressed stream",
                    )
                if buf:
                    emit(len(buf))
                put(None)
            except BaseException as exc:  # handed to the consumer, raised in its thread
                put(exc)

        producer = threading.Thread(target=produce, name="fdns-inflate", daemon=True)
        producer.start()
        previous: Path | None = None
        try:
            while True:
                item = chunks.get()
                if previous is not None:
                    previous.unlink(missing_ok=True)
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                previous, done = item
                yield previous
                if reporter is not None:
                    reporter.update(done)
        finally:
            stop.set()
            with contextlib.suppress(queue.Empty):
                while True:
                    chunks.get_nowait()
            producer.join(timeout=5)

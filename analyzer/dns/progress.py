"""Progress of a long ingest: a rich bar on a terminal, a plain line every 10 s otherwise, or nothing.

DuckDB runs the INSERT in a worker thread; the caller's thread polls `query_progress()` (the share
of the input scanned) and turns it into bytes done, rate and time left.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import duckdb

from analyzer.safe_text import visible

T = TypeVar("T")
LOG_EVERY = 10.0


def _log(label: str, size: int, share: float, started: float) -> None:
    elapsed = time.monotonic() - started
    done = share * size
    rate = done / elapsed if elapsed else 0
    left = (size - done) / rate if rate else float("inf")
    eta = f"{left:,.0f} s left" if left != float("inf") else "time left unknown"
    print(
        f"{visible(label, one_line=True)}: {done / 2**20:,.0f} of {size / 2**20:,.0f} MiB ({share:.0%}), "
        f"{rate / 2**20:,.1f} MiB/s, {eta}",
        file=sys.stderr,
        flush=True,
    )


def run_with_progress(
    con: duckdb.DuckDBPyConnection, label: str, size: int, quiet: bool, work: Callable[[], T]
) -> T:
    """Run `work` (one long statement on `con`) and report its progress unless `quiet`."""
    # DuckDB's own bar would print to stdout; we only want its figures (or nothing at all).
    con.execute("set enable_progress_bar_print = false")
    if quiet:
        con.execute("set enable_progress_bar = false")
        return work()
    con.execute("set enable_progress_bar = true")
    result: dict[str, T] = {}
    error: list[BaseException] = []

    def target() -> None:
        try:
            result["value"] = work()
        except BaseException as exc:  # re-raised in the caller's thread
            error.append(exc)

    worker = threading.Thread(target=target, daemon=True)
    started = time.monotonic()
    worker.start()
    if sys.stderr.isatty():
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        with Progress(
            TextColumn(visible(label, one_line=True), style="bold", markup=False),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            transient=True,
        ) as bar:
            task = bar.add_task(label, total=size)
            while worker.is_alive():
                worker.join(0.25)
                share = con.query_progress()
                if share >= 0:
                    bar.update(task, completed=share / 100 * size)
    else:
        last = started
        while worker.is_alive():
            worker.join(0.5)
            if time.monotonic() - last >= LOG_EVERY:
                last = time.monotonic()
                share = con.query_progress()
                if share >= 0:
                    _log(label, size, share / 100, started)
    if error:
        raise error[0]
    return result["value"]

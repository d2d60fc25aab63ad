"""Standard output written by a thread, in the order the parts were made: a bulk lookup joins or
renders the next part while the last is written (a write to a pipe releases the GIL)."""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from analyzer.safe_text import terminal_bytes

# A part: bytes, or what gives its buffers (bytes, or anything with the buffer protocol such as an
# Arrow buffer) once it is its turn: a render future's `result`, say.
Part = bytes | Callable[[], Iterable[Any]]


class OrderedOutput:
    """The writer's queue: `put` parts in order; `failed` once a write failed (stop making parts);
    `reader_left` when the failure was a closed pipe (`| head` has all it wanted)."""

    def __init__(self, ahead: int) -> None:
        sys.stdout.flush()
        self._sink = sys.stdout.buffer
        self._tty = sys.stdout.isatty()  # on a terminal control characters show escaped, as echo() does
        self._parts: queue.Queue[Part | None] = queue.Queue(maxsize=ahead)
        self._failure: list[BaseException] = []
        self._thread = threading.Thread(target=self._write, name="output-writer", daemon=True)
        self._thread.start()

    def put(self, part: Part) -> None:
        self._parts.put(part)

    @property
    def failed(self) -> bool:
        return bool(self._failure)

    @property
    def reader_left(self) -> bool:
        return bool(self._failure) and isinstance(self._failure[0], BrokenPipeError)

    def _write(self) -> None:
        try:
            while (part := self._parts.get()) is not None:
                buffers = (part,) if isinstance(part, bytes) else part()
                if self._tty:
                    buffers = [terminal_bytes(b"".join(buffers))]
                for data in buffers:
                    self._sink.write(data)
                self._sink.flush()
        except BaseException as exc:  # handed to the main thread
            self._failure.append(exc)
            while self._parts.get() is not None:  # let the producer finish
                pass

    def _finish(self) -> None:
        self._parts.put(None)
        self._thread.join()

    def _raise(self) -> None:
        if self._failure and not self.reader_left:
            raise self._failure[0]


@contextmanager
def ordered_output(ahead: int) -> Iterator[OrderedOutput]:
    """A writer thread for the block: at most `ahead` parts wait for it. On leaving, every part put
    is written; a failed write is raised, unless the reader left (`reader_left` then says so)."""
    out = OrderedOutput(ahead)
    try:
        yield out
    finally:
        out._finish()
    out._raise()

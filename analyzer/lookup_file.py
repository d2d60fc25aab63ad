"""The bulk IPv4 lookup without the engine: a database's point store (analyzer.network.points) as one
file that numpy maps, so `analyzer lookup -` over plain addresses, as JSON lines or CSV, loads
neither DuckDB nor polars nor pyarrow. Their code alone is resident at more than pyasn's whole process on a full table.

The file is written into the cache folder (analyzer.settings.cache_dir, `lookup/`), one per
database path, when a read-write session that built the store (an ingest of network data) or
loaded its texts (the engine's bulk lookup) closes (`save`, from analyzer.network.points). The file
answers only while it is certain to give the engine's bytes (`current`):
- the database is unchanged: the file records the identity of the database file and of its WAL
  (device, inode, size, modification and change times), taken at the close; any write since
  changes them;
- the installed analyzer would not rebuild the store: the store's fingerprint
  (analyzer.lookup_file_header.store_fingerprint) is made of the network datasets, which live in
  the database, and of the digests of the sql/ files and the provider catalog. The file is written only when the database's digests are the installed
  files' and records each of those files by path, size and modification time: an upgrade or an
  edit changes them.
A read-write session that leaves the store as the file holds it (an ingest of DNS data, say) stamps
the file with the database's new identity as it closes (analyzer.lookup_file_header.keep, run by
analyzer.workspace).
Otherwise, or when the file is damaged, the engine answers (and writes a new file).

A line is the engine's: for JSON '{"address":"', the address, the head text of the point (published
range columns), the route prefix and the rest (origins, AS organisation, providers) with the
newline, each stored once as the engine rendered and escaped it; for CSV the same parts as the
engine's CSV writer renders their cells, after an empty hostname cell, the header first. A line is
joined by bytes.join from the block's own bytes, a slice of the mapped file (the route) and the
texts of heads and rests, made into bytes once per lookup (_Form.texts).
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from analyzer.ipv4_text import parse_block
from analyzer.lookup_file_header import (
    ALIGN,
    FORMAT,
    header_size,
    identity,
    installed_files,
    location,
    mapped_file,
    read_header,
    replace_file,
)
from analyzer.version import __version__

# What a line holds before the address, per output form; the rest of a line is stored (Texts).
LEADS = {"json": b'{"address":"', "csv": b","}  # CSV: the hostname's cell, empty for an address
# What a damaged header or array raises as the file is read.
_DAMAGE = (ValueError, KeyError, TypeError, AttributeError, IndexError, OverflowError)
# Texts made at once from the map before their pages are given back (_Form.texts).
_TEXTS_AT_ONCE = 2048
# Lines joined at once: their texts and the joined bytes are what a lookup holds beyond the file.
LINES_PER_PART = 1024

Packed = tuple[np.ndarray, memoryview]  # offsets of texts in one buffer, and the buffer


@dataclass
class Texts:
    """The texts of one output form, each stored once as the engine renders it: a line is the
    form's lead, the address, the text of its point's head (what follows the address up to the
    route), its route and the text of its rest (what follows the route, with the newline)."""

    heads: Packed
    routes: Packed  # per point
    rests: Packed
    first: bytes = b""  # written before the first line (the CSV header)


@dataclass
class Contents:
    """What the file holds, as the engine has it in memory: the sorted points, per point the ids of
    its head and rest; the texts of each output form."""

    points: np.ndarray
    head_ids: np.ndarray
    rest_ids: np.ndarray
    forms: dict[str, Texts]  # of LEADS: "json" always, "csv" unless its records could not be told apart
    store: str  # the fingerprint of the store these are of (STORE_KEY)
    identity: list[list[int] | None]  # of the database, at the close of the session that took them


def _smallest(values: np.ndarray) -> np.ndarray:
    top = int(values.max()) if len(values) else 0
    for dtype in (np.uint8, np.uint16, np.uint32):
        if top <= np.iinfo(dtype).max:
            return values.astype(dtype)
    return values.astype(np.uint64)


def _layout(contents: Contents) -> dict[str, np.ndarray | memoryview]:
    """The arrays of the file, each in the smallest integer type that holds it."""
    arrays: dict[str, np.ndarray | memoryview] = {
        "points": contents.points.astype(np.uint32),
        "head_ids": _smallest(contents.head_ids),
        "rest_ids": _smallest(contents.rest_ids),
    }
    for form, texts in contents.forms.items():
        routes_offsets, routes = texts.routes
        arrays |= {
            f"{form}_heads_offsets": _smallest(texts.heads[0]),
            f"{form}_heads_bytes": texts.heads[1],
            f"{form}_route_starts": _smallest(routes_offsets[:-1]),
            f"{form}_route_lengths": _smallest(np.diff(routes_offsets)),
            f"{form}_routes_bytes": routes,
            f"{form}_rests_offsets": _smallest(texts.rests[0]),
            f"{form}_rests_bytes": texts.rests[1],
            f"{form}_first": memoryview(texts.first),
        }
    return arrays


def save(contents: Contents, db: Path) -> Path | None:
    """Write the file of `db` atomically, once its writer has closed it; None when the folder is not
    writable, or the database is not as it was when `contents` were taken (closing it wrote to
    it, another process did since, it is gone): the file is a cache, the engine answers without
    it. `contents` must be of a store built with the installed sql/ and catalog files
    (analyzer.network.points.point_file sees to it)."""
    if identity(db) != contents.identity:
        return None
    arrays = _layout(contents)
    layout: dict[str, dict[str, Any]] = {}
    at = 0
    for name, value in arrays.items():
        size = value.nbytes
        dtype = str(value.dtype) if isinstance(value, np.ndarray) else "bytes"
        layout[name] = {"offset": at, "size": size, "dtype": dtype}
        at += -(-size // ALIGN) * ALIGN
    header = {
        "format": FORMAT,
        "analyzer": __version__,
        "database": os.path.realpath(db),
        "store": contents.store,
        "identity": contents.identity,
        "installed": installed_files(),
        "forms": list(contents.forms),
        "arrays": layout,
    }

    def body(f: BinaryIO) -> None:
        for value in arrays.values():
            f.write(value)
            f.write(b"\0" * (-value.nbytes % ALIGN))

    return replace_file(location(db), header, body)


class _Form:
    """The texts of one form in the mapped file, checked with no more reads than a lookup makes (a
    comparison makes a bool per value, no copy)."""

    def __init__(self, form: str, arrays: dict[str, Any], mapped: mmap.mmap, points: int) -> None:
        self.lead = LEADS[form]
        self.base = {name: arrays[f"{form}_{name}_bytes"][0] for name in ("heads", "routes", "rests")}
        self.route_starts: np.ndarray = arrays[f"{form}_route_starts"]
        self.route_lengths: np.ndarray = arrays[f"{form}_route_lengths"]
        self.offsets: dict[str, np.ndarray] = {
            name: arrays[f"{form}_{name}_offsets"] for name in ("heads", "rests")
        }
        for name, offsets in self.offsets.items():
            size = arrays[f"{form}_{name}_bytes"][1]
            if (
                len(offsets) < 2
                or offsets[0] != 0
                or int(offsets[-1]) != size
                or bool((offsets[1:] < offsets[:-1]).any())
            ):
                raise ValueError(f"the offsets of {form} {name} do not cover its texts")
        if not len(self.route_starts) == len(self.route_lengths) == points:
            raise ValueError(f"the {form} routes are not one per point")
        end = int((self.route_starts.astype(np.int64) + self.route_lengths).max())
        if end > arrays[f"{form}_routes_bytes"][1]:
            raise ValueError(f"a {form} route text runs past the routes")
        start, size = arrays[f"{form}_first"]
        self.first = bytes(mapped[start : start + size])
        heads = self.offsets["heads"]
        at = self.base["heads"]
        self.single_head = bytes(mapped[at + int(heads[0]) : at + int(heads[1])]) if len(heads) == 2 else None
        self._map = mapped
        self._lists: dict[str, list[bytes]] = {}

    def texts(self, name: str) -> list[bytes]:
        """The texts of `name` (heads, rests) as bytes, made on first use: a line then takes its
        text from a list, not as a slice of the map made per line (a sixth of a lookup's time).
        They are as large as their pages of the map, which are given back as the texts are made
        (resident memory counts each byte once)."""
        if name not in self._lists:
            ends = (self.offsets[name].astype(np.int64) + self.base[name]).tolist()
            made: list[bytes] = []
            released = self.base[name] - self.base[name] % mmap.PAGESIZE
            for first in range(0, len(ends) - 1, _TEXTS_AT_ONCE):
                last = min(first + _TEXTS_AT_ONCE, len(ends) - 1)
                made.extend(
                    map(self._map.__getitem__, map(slice, ends[first:last], ends[first + 1 : last + 1]))
                )
                upto = ends[last] - ends[last] % mmap.PAGESIZE
                if upto > released and hasattr(mmap, "MADV_DONTNEED"):  # (not on Windows)
                    self._map.madvise(mmap.MADV_DONTNEED, released, upto - released)
                    released = upto
            self._lists[name] = made
        return self._lists[name]


class PointFile:
    """A valid file, mapped: `lines` answers a block of input lines in one of its `forms` (see
    `refusal` first)."""

    def __init__(self, mapped: mmap.mmap, header: dict[str, Any]) -> None:
        self._map = mapped
        base = header_size(mapped)
        arrays: dict[str, Any] = {}
        for name, spec in header["arrays"].items():
            start, size = base + int(spec["offset"]), int(spec["size"])
            if start + size > len(mapped):
                raise ValueError(f"{name} runs past the end of the file")
            if spec["dtype"] == "bytes":
                arrays[name] = (start, size)
            else:
                dtype = np.dtype(spec["dtype"])
                arrays[name] = np.frombuffer(mapped, dtype=dtype, count=size // dtype.itemsize, offset=start)
        self.points: np.ndarray = arrays["points"]
        self.head_ids: np.ndarray = arrays["head_ids"]
        self.rest_ids: np.ndarray = arrays["rest_ids"]
        n = len(self.points)
        if n == 0 or not len(self.head_ids) == len(self.rest_ids) == n:
            raise ValueError("the point arrays differ in length")
        if self.points[0] != 0 or bool((self.points[1:] <= self.points[:-1]).any()):
            raise ValueError("the points are not sorted from 0")
        self._arrays = arrays
        self._top = (int(self.head_ids.max()), int(self.rest_ids.max()))
        forms = header["forms"]
        if not isinstance(forms, list) or "json" not in forms or not set(forms) <= set(LEADS):
            raise ValueError(f"it holds the forms {forms!r}")
        self.forms: tuple[str, ...] = tuple(forms)  # the output forms the file answers
        self._forms: dict[str, _Form] = {}
        self._form("json")

    def _form(self, form: str) -> _Form:
        """The texts of `form`, checked on first use (a JSON lookup reads no page of the CSV texts)."""
        if form not in self._forms:
            texts = _Form(form, self._arrays, self._map, len(self.points))
            if (
                self._top[0] >= len(texts.offsets["heads"]) - 1
                or self._top[1] >= len(texts.offsets["rests"]) - 1
            ):
                raise ValueError("a point names a head or rest the file lacks")
            self._forms[form] = texts
        return self._forms[form]

    def refusal(self, form: str) -> str | None:
        """Why the file cannot answer in `form` (it lacks its texts, they are damaged); None if it can."""
        if form not in self.forms:
            return f"it holds no {form} texts"
        try:
            self._form(form)
        except _DAMAGE as exc:
            return f"its {form} texts are damaged ({exc})"
        return None

    def first(self, form: str) -> bytes:
        """What a lookup in `form` writes before its first line (the CSV header)."""
        return self._form(form).first

    def lines(self, block: bytes, form: str) -> Iterator[bytes] | None:
        """The lines of a block of dotted-quad lines in `form` (one of `forms`), in order and byte
        for byte the engine's, in parts of at most LINES_PER_PART lines (the texts of a part exist
        while it is joined); None when some line is something else (the engine answers that block)."""
        quads = parse_block(block)
        if quads is None:
            return None
        order = np.argsort(quads.ints)
        at = np.empty(len(order), dtype=np.int64)
        at[order] = np.searchsorted(self.points, quads.ints[order], side="right") - 1
        return self._parts(quads.block, at, self._form(form))

    def _parts(self, block: bytes, at: np.ndarray, form: _Form) -> Iterator[bytes]:
        # each line's start as one text: the lead, the address, and with a single head the head
        # too, made by replace and split (C loops), not pieces joined per line
        head = form.single_head
        glue = (head or b"") + b"\n" + form.lead
        starts = (form.lead + block.replace(b"\n", glue)).split(b"\n")
        del starts[-1]  # what follows the last newline
        base = form.base["routes"]
        rests = form.texts("rests")
        heads = form.texts("heads") if head is None else None
        for first in range(0, len(at), LINES_PER_PART):
            part = at[first : first + LINES_PER_PART]
            routes = form.route_starts[part].astype(np.int64) + base
            pieces = [
                iter(starts[first : first + LINES_PER_PART]),
                self._slices(routes, routes + form.route_lengths[part]),
                map(rests.__getitem__, self.rest_ids[part].tolist()),
            ]
            if heads is not None:
                pieces.insert(1, map(heads.__getitem__, self.head_ids[part].tolist()))
            yield b"".join(chain.from_iterable(zip(*pieces, strict=True)))

    def _slices(self, starts: np.ndarray, ends: np.ndarray) -> Iterator[bytes]:
        """The bytes of the mapped file from each start to its end, made one by one as joined."""
        return map(self._map.__getitem__, map(slice, starts.tolist(), ends.tolist()))


def opened(db: Path) -> PointFile | str:
    """The file of `db`, mapped, when it gives the engine's answers for the database as it is now
    (see the module's docstring); else why not, for the user chasing a slow or large lookup."""
    stamp = identity(db)
    if stamp is None:
        return "there is no database file"
    mapped = mapped_file(db)
    if isinstance(mapped, str):
        return mapped
    if hasattr(mmap, "MADV_RANDOM"):  # map the pages read, not those around them (not on Windows)
        mapped.madvise(mmap.MADV_RANDOM)
    header = read_header(mapped, db, stamp)
    if isinstance(header, str):
        mapped.close()
        return header
    try:
        return PointFile(mapped, header)
    except _DAMAGE as exc:
        return f"it is damaged ({exc})"  # (the arrays made of the map keep it open until freed)


def current(db: Path) -> PointFile | None:
    """The file of `db`, mapped, when it gives the engine's answers for the database as it is now."""
    found = opened(db)
    return found if isinstance(found, PointFile) else None

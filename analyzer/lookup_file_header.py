"""The bulk lookup's point file (analyzer.lookup_file) without its arrays: where a database's file
is, the database's identity and the installed files it records, its header, and its upkeep across
the sessions that leave the store alone (`held_store` as a read-write session opens, `keep` and
`restamp` as it closes). The workspace runs these at every open, so they load no numpy.
"""

from __future__ import annotations

import functools
import hashlib
import json
import mmap
import os
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from analyzer import settings
from analyzer.cursors import first_row
from analyzer.meta import get_meta
from analyzer.resources import catalog_files, sql_files
from analyzer.version import __version__

if TYPE_CHECKING:
    import duckdb

MAGIC = b"analyzer ip4 points\n"
FORMAT = 3  # 3: the CSV texts beside the JSON ones
# The analyzer_meta key of the fingerprint the stored points were built for.
STORE_KEY = "lookup_ip4_points_fingerprint"
# The dataset kinds the points are made of (net_attribute() reads routing tables, AS
# organisations and published ranges).
NETWORK_KINDS = ("ranges", "pfx2as", "ip2asn", "as2org")
# A workspace's close hook for the file (Workspace.on_close: one per key).
ON_CLOSE = "lookup point file"
# What a read-write session holds of a current file as it opens: the store and the database's identity.
Held = tuple[str, list[list[int] | None]]
ALIGN = 64


def location(db: Path) -> Path:
    """The file of the database at `db` (by its real path)."""
    real = os.path.realpath(db).encode()
    key = f"{zlib.crc32(real):08x}{zlib.adler32(real):08x}"  # the header names the database itself
    return settings.cache_dir() / "lookup" / f"{key}.ip4"


def store_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """A digest of what the points depend on: the applied sql/ files, the provider catalog and the
    loaded network datasets (not DNS or CT data, so their ingests leave the store alone)."""
    row = first_row(
        con.execute(
            "select (select string_agg(key || '=' || value, ',' order by key) from analyzer_meta"
            "  where key in ('sql_digest', 'catalog_digest')),"
            " (select string_agg(cast(dataset_id as varchar), ',' order by dataset_id) from datasets"
            "  where status = 'loaded' and kind in (select unnest(?::varchar[])))",
            [list(NETWORK_KINDS)],
        )
    )
    assert row is not None
    return hashlib.md5(f"{row[0]}|{row[1]}".encode(), usedforsecurity=False).hexdigest()


def identity(db: Path) -> list[list[int] | None] | None:
    """What changes whenever DuckDB writes the database: the stat of the file and of its WAL."""
    out: list[list[int] | None] = []
    for path in (Path(db), Path(f"{db}.wal")):
        try:
            st = path.stat()
        except OSError:
            out.append(None)
            continue
        out.append([st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns])
    return out if out[0] is not None else None


def installed_files() -> list[list[str | int]]:
    """The installed files whose digests the engine compares with the database's to decide whether
    to re-apply sql/ or reload the catalog (analyzer.workspace, analyzer.catalog), by path, size and
    modification time: the same files, untouched since the file was written, give the same digests
    (reading and hashing them here would cost more memory than the rest of the lookup's code)."""
    out: list[list[str | int]] = []
    for path in (*sql_files(), *catalog_files()):
        st = path.stat()
        out.append([str(path), st.st_size, st.st_mtime_ns])
    return out


def keep(con: duckdb.DuckDBPyConnection, db: Path, held: Held) -> Callable[[], Path | None] | None:
    """Before a read-write session of `db` closes, whose file was current when the session opened
    (`held`, from held_store): when the store is still the one the file holds (the session changed
    no network data, applied no other sql/ or catalog), a checkpoint and the database's identity;
    the file is stamped with it after the close (`restamp`). None when the store changed (the
    engine answers the next lookup, and the session that rebuilds the store writes a new file), or
    when the session wrote nothing (the file stays as it is)."""
    store, opened = held
    if get_meta(con, STORE_KEY) != store or store_fingerprint(con) != store:
        return None
    con.execute("checkpoint")  # the file then holds every change: closing writes nothing more
    stamp = identity(db)
    if stamp is None or stamp == opened:
        return None
    return functools.partial(restamp, db, store, stamp)


def restamp(db: Path, store: str, stamp: list[list[int] | None]) -> Path | None:
    """The file of `db` rewritten with identity `stamp`, its points and texts as they are, when the
    database is still at `stamp` and the file holds `store` for the installed files (else None)."""
    if identity(db) != stamp:
        return None
    target = location(db)
    try:
        with target.open("rb") as f:
            mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        with mapped:
            header = read_header(mapped, db)
            if isinstance(header, str) or header.get("store") != store:
                return None
            base = header_size(mapped)

            def body(out: BinaryIO) -> None:
                with memoryview(mapped) as view:
                    out.write(view[base:])

            tmp = _written(target, {**header, "identity": stamp}, body)
        # replaced once the map is closed (Windows refuses to replace a file that is open)
        return None if tmp is None else _replaced(tmp, target)
    except (OSError, ValueError):
        return None


def replace_file(target: Path, header: dict[str, Any], body: Callable[[BinaryIO], None]) -> Path | None:
    """Write the file at `target` atomically: the magic, `header` as JSON and padding to the
    alignment, then what `body` writes. None when the folder is not writable."""
    tmp = _written(target, header, body)
    return None if tmp is None else _replaced(tmp, target)


def _written(target: Path, header: dict[str, Any], body: Callable[[BinaryIO], None]) -> Path | None:
    """A new file beside `target` holding the header and the body; None when it cannot be written."""
    head = MAGIC + json.dumps(header, sort_keys=True).encode() + b"\n"
    head += b" " * (-len(head) % ALIGN)
    tmp = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".ip4")
        with os.fdopen(fd, "wb") as f:
            f.write(head)
            body(f)
    except OSError:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        return None
    return Path(tmp)


def _replaced(tmp: Path, target: Path) -> Path | None:
    try:
        os.replace(tmp, target)
    except OSError:
        tmp.unlink(missing_ok=True)
        return None
    return target


def header_size(mapped: mmap.mmap) -> int:
    end = mapped.find(b"\n", len(MAGIC)) + 1
    return end + (-end % ALIGN)


def read_header(
    mapped: mmap.mmap, db: Path, stamp: list[list[int] | None] | None = None
) -> dict[str, Any] | str:
    """The header of a file of `db` written by this analyzer for the installed files (and, given
    `stamp`, for the database at that identity); else why not."""
    try:
        if mapped[: len(MAGIC)] != MAGIC:
            return "not a point file"
        header = json.loads(mapped[len(MAGIC) : mapped.find(b"\n", len(MAGIC))])
    except ValueError:
        return "its header is damaged"
    if not isinstance(header, dict):
        return "its header is damaged"
    if header.get("format") != FORMAT or header.get("analyzer") != __version__:
        return "written by another analyzer version"
    if header.get("database") != os.path.realpath(db):
        return "written for another database"
    if stamp is not None and header.get("identity") != stamp:
        return (
            "the database was written since (by a session that changed its network data, or by other means)"
        )
    if header.get("installed") != installed_files():
        return "the installed sql/ or catalog files changed since"
    return header


def mapped_file(db: Path) -> mmap.mmap | str:
    try:
        with location(db).open("rb") as f:
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except FileNotFoundError:
        return "there is none"
    except (OSError, ValueError) as exc:  # an empty file cannot be mapped
        return f"it cannot be read ({exc})"


def held_store(db: Path) -> Held | None:
    """The store the file of `db` holds and the database's identity, when the file is current (its
    points and texts not checked: the lookups that map the file check them): what a read-write
    session opening `db` keeps (`keep`)."""
    stamp = identity(db)
    mapped = None if stamp is None else mapped_file(db)
    if mapped is None or isinstance(mapped, str):
        return None
    with mapped:
        header = read_header(mapped, db, stamp)
    store = None if isinstance(header, str) else header.get("store")
    return (store, stamp) if isinstance(store, str) and stamp is not None else None

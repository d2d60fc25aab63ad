"""Bulk IPv4 attribution by binary search: millions of addresses without a query per chunk over
the whole routing table.

net_attribute() (sql/21) scans the keys of every routing interval on each call (a tenth of a
second over a full table) and joins each address on its own, so bounded chunks of a long input
would each pay the scan, and millions of addresses the joins. Between two consecutive points of int_ip4_bounds (sql/27) every address has the
same answer, so net_attribute() is run once over the points (sql/28) and stored, with the
fingerprint of the network inputs, after each ingest of network data (`refresh_points`, an
after-ingest hook) or else by the first bulk lookup. The session that builds the store, or loads
its texts, leaves them as the point file of analyzer.lookup_file as it closes (`point_file`): the
bulk lookups after it answer plain addresses without the engine.

The store is factored to stay small in memory: a row is its columns before `route_prefix` (the
published range: few distinct values), `route_prefix` itself (one per routed prefix) and the
columns after it (origins, AS organisation, providers: about one per origin AS). Each distinct
part is stored once, with its JSON text, in lookup_ip4_heads and lookup_ip4_rests; a point keeps
only its `route_prefix` and the ids of its two parts (lookup_ip4_points). A chunk then costs a
numpy binary search and gathers of parts, and a JSON line is the address plus three texts joined
by Arrow, never a Python object per row. The rows are net_attribute()'s own: only `address` is
the caller's text.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa

from analyzer import lookup_file
from analyzer.catalog import catalog_digest
from analyzer.cursors import first_row
from analyzer.ipv4_text import parse_block
from analyzer.lookup_file import Contents, Texts
from analyzer.lookup_file_header import ON_CLOSE, STORE_KEY, identity, store_fingerprint
from analyzer.meta import get_meta, set_meta
from analyzer.network.lookup import CSV_COLUMNS
from analyzer.output import JsonParts, csv_lines, csv_records
from analyzer.resources import catalog_files, files_digest, sql_files
from analyzer.safe_text import json_texts
from analyzer.workspace import Workspace

# The stored tables, and the temporary ones of a read-only database whose store is stale.
POINTS, HEADS, RESTS = "lookup_ip4_points", "lookup_ip4_heads", "lookup_ip4_rests"
_SPLIT = "route_prefix"  # the column between the two parts

# Dotted-quad IPv4 exactly as Python's ipaddress accepts it (0-255, no leading zeros): what
# analyzer.lookup.is_address decides for these texts, decided for a whole column at once.
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
IPV4 = rf"^{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}$"


def is_ipv4(texts: pl.Series) -> pl.Series:
    """Which texts are dotted-quad IPv4 addresses (already stripped of whitespace)."""
    return texts.str.contains(IPV4).fill_null(False)


def ipv4_int(texts: pl.Series) -> np.ndarray:
    """The integer of each dotted-quad text (every one valid, see is_ipv4), as uint32."""
    parts = texts.str.split_exact(".", 3).struct.unnest()
    value = pl.lit(0, pl.UInt32)
    for i, weight in enumerate((1 << 24, 1 << 16, 1 << 8, 1)):
        value = value + parts[f"field_{i}"].cast(pl.UInt32) * weight
    return parts.select(value.alias("ip"))["ip"].to_numpy()


def ipv4_block(block: bytes) -> tuple[pl.Series, np.ndarray] | None:
    """The texts and integers of a block of lines that are all dotted-quad IPv4 addresses
    (analyzer.ipv4_text); None when any line is something else."""
    quads = parse_block(block)
    if quads is None:
        return None
    block, ints, _, ends = quads
    lines = len(ints)
    buf = np.frombuffer(block, dtype=np.uint8)
    # the texts as one Arrow string array over the block's bytes without its newlines, not a str per line
    offsets = np.zeros(lines + 1, dtype=np.int32)
    offsets[1:] = ends + 1 - np.arange(1, lines + 1)
    data = pa.py_buffer(buf[buf != 10])
    texts = pl.Series("address", pa.StringArray.from_buffers(lines, pa.py_buffer(offsets), data))
    return texts, ints


class Ip4Points:
    """The stored points of one workspace, held in memory as numpy and Arrow arrays (the parts'
    columns only when rows, not JSON, are asked for): `attribute` and `json_tails` answer a column
    of IPv4 texts."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self._loaded = False
        self._json: tuple[pl.Series | str, pl.Series, pl.Series] | None = None
        self._rows: tuple[pa.Table, pa.Table, pa.Array] | None = None

    def _load(self) -> None:
        """The store (built first when stale) and the points: on first use, so a bulk lookup of
        hostnames only reads none of it."""
        if self._loaded:
            return
        self.names = ensure_points(self.ws)
        # below 2**32 (sql/27); a point is its own order key, not read twice
        query = f"select point::uinteger as point, head_id, rest_id from {self.names[0]}"  # noqa: S608
        points = _frame(self.ws.con, query)
        self.points, self.head_ids, self.rest_ids = (points.to_series(i).to_numpy() for i in range(3))
        self._loaded = True

    def _index(self, texts: pl.Series, ints: np.ndarray | None) -> np.ndarray:
        """The point of each address: a binary search of the sorted addresses (numpy narrows each
        search by the one before, several times faster than searching them in input order)."""
        self._load()
        ints = ipv4_int(texts) if ints is None else ints
        order = np.argsort(ints)  # equal addresses find the same point: any order of ties will do
        at = np.empty(len(ints), dtype=np.int64)
        at[order] = np.searchsorted(self.points, ints[order], side="right") - 1
        return at

    def _column(self, columns: str) -> pa.Table:
        """Columns of the points in point order (the store is written in that order; checked)."""
        return _ordered(self.ws.con, f"select point::uinteger as _order, {columns} from {self.names[0]}")  # noqa: S608

    def _parts(self, table: str, key: str, columns: str) -> pa.Table:
        """A part table in id order (ids are 0..n-1, so an id is a row position)."""
        return _ordered(self.ws.con, f"select {key} as _order, {columns} from {table}")  # noqa: S608

    def attribute(self, texts: pl.Series, columns: list[str], ints: np.ndarray | None = None) -> pa.Table:
        """One row per text, in order: the row of its point with `address` = the text."""
        heads, rests, routes = self._row_parts()
        at = self._index(texts, ints)
        head = heads.take(pa.array(self.head_ids[at]))
        rest = rests.take(pa.array(self.rest_ids[at]))
        found = {
            "address": texts.to_arrow().cast(pa.string()),
            _SPLIT: routes.take(pa.array(at)),
            **{name: head.column(name) for name in head.column_names},
            **{name: rest.column(name) for name in rest.column_names},
        }
        return pa.table({c: found[c] for c in columns})

    def _row_parts(self) -> tuple[pa.Table, pa.Table, pa.Array]:
        """The heads' and rests' columns in id order and the routes in point order, loaded on first
        use; a read-write session then leaves the point file when it closes (`point_file`)."""
        self._load()
        if self._rows is None:
            heads = self._parts(self.names[1], "head_id", "* exclude (head_id, json, _key)")
            rests = self._parts(self.names[2], "rest_id", "* exclude (rest_id, json, _key)")
            self._rows = (heads, rests, self._column(_SPLIT).column(0).combine_chunks())
            self._leave_file()
        return self._rows

    def _leave_file(self) -> None:
        if not self.ws.read_only:
            self.ws.on_close(ON_CLOSE, functools.partial(point_file, points=self))

    def csv_texts(self) -> Texts | None:
        """The texts of a CSV line (analyzer.lookup_file.Texts) as the engine's CSV writer renders
        the rows of `attribute` (output.csv_records); None when the columns are not in the order
        of CSV_COLUMNS around the route, or some record's end cannot be told from the data."""
        heads, rests, routes = self._row_parts()
        line = ["name", "address", *heads.column_names, _SPLIT, *rests.column_names]
        if line != list(CSV_COLUMNS) or not heads.num_columns or not rests.num_columns:
            return None
        try:
            texts = Texts(
                heads=csv_records(heads, heads.column_names, lead=b",", end=b","),
                routes=csv_records(pa.table({_SPLIT: routes}), [_SPLIT]),
                rests=csv_records(rests, rests.column_names, lead=b",", end=b"\n"),
            )
        except ValueError:
            return None
        texts.first = csv_lines(
            pa.table({c: pa.array([], pa.string()) for c in CSV_COLUMNS}), CSV_COLUMNS, header=True
        )
        return texts

    def json_tails(self, texts: pl.Series, ints: np.ndarray | None = None) -> JsonParts:
        """The same rows as JSON: each text, then the JSON of its point's row after the address.
        The stored texts are loaded here, in the caller's thread (it holds the connection); the
        search and gathers are left to whoever renders the part (the render threads of a bulk
        lookup), as they only read arrays in memory."""
        return JsonParts(functools.partial(self._json_pieces, self.json_texts(), texts, ints))

    def json_texts(self) -> tuple[pl.Series | str, pl.Series, pl.Series]:
        """The heads', rests' and routes' JSON texts, loaded on first use; a read-write session
        then leaves them as the point file when it closes (`point_file`)."""
        self._load()
        if self._json is None:
            con, (points, heads, rests) = self.ws.con, self.names
            heads = _frame(con, f"select head_id, json from {heads}").to_series(1)  # noqa: S608
            rests = _frame(con, f"select rest_id, json from {rests}").to_series(1)  # noqa: S608
            routes = _frame(con, f"select point::uinteger, route_json from {points}").to_series(1)  # noqa: S608
            # escaped once here (a bidi control in an AS name ...), not in every line written; a
            # head carries the text around it, and a single head (no published range, as with only
            # a routing table) is the same text on every line, not a column to gather
            around = json_texts(heads)
            around = pl.select(
                pl.concat_str([pl.lit('"'), pl.lit(around), pl.lit(f',"{_SPLIT}":')])
            ).to_series()
            self._json = (
                around.item() if len(around) == 1 else around,
                json_texts(rests),
                json_texts(routes),
            )
            del heads, rests, routes
            self._leave_file()
        return self._json

    def _json_pieces(
        self, stored: tuple[pl.Series | str, pl.Series, pl.Series], texts: pl.Series, ints: np.ndarray | None
    ) -> list[pl.Series | str]:
        heads, rests, routes = stored
        at = self._index(texts, ints)
        head = heads if isinstance(heads, str) else heads.gather(self.head_ids[at])
        return ['{"address":"', texts, head, routes.gather(at), rests.gather(self.rest_ids[at])]


def _packed(texts: pl.Series, suffix: str = "") -> tuple[np.ndarray, memoryview]:
    """Texts as the offsets of each in one buffer, and the buffer (each text followed by
    `suffix`): Arrow's own offsets and bytes, not a copy of them."""
    if suffix:
        texts = pl.select(pl.lit(texts) + suffix).to_series()
    array = texts.to_arrow()
    array = array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
    array = array.cast(pa.large_string())
    offsets = np.frombuffer(array.buffers()[1], np.int64, len(array) + 1, 8 * array.offset)
    first, last = int(offsets[0]), int(offsets[-1])
    return offsets - first, memoryview(array.buffers()[2])[first:last]


def _ordered(con: duckdb.DuckDBPyConnection, query: str) -> pa.Table:
    """The rows of `query` by its first column `_order` (dropped), sorted here when DuckDB did not
    give them in that order: an `order by` in the query would sort every time, with a sort's
    memory, rows that a table's scan gives in order already."""
    with _one_thread(con):
        table = con.sql(query).to_arrow_table(_ONE_BATCH).combine_chunks()  # one chunk: no copy
    order = table.column("_order").to_numpy()
    if len(order) > 1 and not bool((order[1:] > order[:-1]).all()):
        table = table.take(np.argsort(order, kind="stable"))
    return table.drop_columns(["_order"])


# Rows a result may have and still come in one batch: one chunk to search and gather, no copy of
# several chunks into one.
_ONE_BATCH = 1 << 30


@contextmanager
def _one_thread(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """A read of the store with DuckDB on one thread (a scan then gives its rows in one batch and
    in the table's order, without a buffer per thread), then the thread count it had."""
    row = first_row(con.execute("select current_setting('threads')"))
    assert row is not None
    con.execute("set threads = 1")
    try:
        yield
    finally:
        con.execute(f"set threads = {int(row[0])}")


def _frame(con: duckdb.DuckDBPyConnection, query: str) -> pl.DataFrame:
    """The rows of `query` by its first column (a unique key) as a polars frame of one chunk, read
    straight into polars (.pl(): no Arrow table to copy). Sorted here only when the scan did not
    give them in key order (see _ordered)."""
    with _one_thread(con):
        frame = con.sql(query).pl(_ONE_BATCH)
    if frame.n_chunks() > 1:
        frame = frame.rechunk()
    key = frame.to_series(0).to_numpy()
    if len(key) > 1 and not bool((key[1:] > key[:-1]).all()):
        frame = frame.sort(frame.columns[0])
    return frame


def point_file(ws: Workspace, points: Ip4Points | None = None) -> Callable[[], object] | None:
    """Before a read-write workspace closes (Workspace.on_close): the point file's contents, the
    store's texts loaded unless `points` holds them, with the database's identity taken after a
    checkpoint (the file then holds every change) while this connection still locks out other
    writers; after the close they are saved (lookup_file.save checks the identity still holds).
    None on an in-memory database, when the store is not current, or when the database's sql/ and
    catalog digests are not the installed files' (the file records the installed files and must
    not outlive them with the answers of others)."""
    if ws.read_only or ws.path.startswith(":memory:"):
        return None
    installed = {
        "sql_digest": files_digest(sql_files()),
        "catalog_digest": catalog_digest(catalog_files()),
    }
    if any(get_meta(ws.con, key) != value for key, value in installed.items()):
        return None
    store = get_meta(ws.con, STORE_KEY)
    if store is None or store != store_fingerprint(ws.con) or not _stored(ws.con):
        return None
    points = points or Ip4Points(ws)
    heads, rests, routes = points.json_texts()
    ws.con.execute("checkpoint")
    stamp = identity(Path(ws.path))
    if stamp is None:
        return None
    forms = {
        "json": Texts(
            heads=_packed(pl.Series([heads]) if isinstance(heads, str) else heads),
            routes=_packed(routes),
            rests=_packed(rests, "\n"),
        )
    }
    csv = points.csv_texts()
    if csv is not None:
        forms["csv"] = csv
    contents = Contents(
        points=points.points,
        head_ids=points.head_ids,
        rest_ids=points.rest_ids,
        forms=forms,
        store=store,
        identity=stamp,
    )
    return functools.partial(lookup_file.save, contents, Path(ws.path))


def ensure_points(ws: Workspace) -> tuple[str, str, str]:
    """The names of the tables holding the current points (points, heads, rests): the store,
    rebuilt when its inputs changed; on a read-only database temporary tables for this session."""
    fingerprint = store_fingerprint(ws.con)
    if get_meta(ws.con, STORE_KEY) == fingerprint and _stored(ws.con):
        return POINTS, HEADS, RESTS
    if ws.read_only:
        names = (f"{POINTS}_tmp", f"{HEADS}_tmp", f"{RESTS}_tmp")
        _build(ws.con, names, temp=True)
        return names
    with ws.transaction() as con:
        _build(con, (POINTS, HEADS, RESTS), temp=False)
        set_meta(con, STORE_KEY, fingerprint)
    ws.on_close(ON_CLOSE, point_file)  # the point file of the new store, at the close
    return POINTS, HEADS, RESTS


def refresh_points(ws: Workspace) -> None:
    """After-ingest hook: rebuild the store when the network inputs changed since it was built, so
    that a bulk lookup finds it ready; nothing when there is no routing table or range (a DNS-only
    database) or the database is read-only."""
    if ws.read_only or get_meta(ws.con, STORE_KEY) == store_fingerprint(ws.con):
        return
    row = first_row(ws.con.execute("select count(*) from int_ip4_bounds"))
    if row is None or int(row[0]) <= 1:  # only 0.0.0.0: nothing routed or published
        return
    ensure_points(ws)


def _stored(con: duckdb.DuckDBPyConnection) -> bool:
    row = first_row(
        con.execute(
            "select count(*) from duckdb_tables() where database_name = current_database()"
            " and schema_name = 'main' and table_name in (?, ?, ?)",
            [POINTS, HEADS, RESTS],
        )
    )
    return row is not None and int(row[0]) == 3


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _json(columns: list[str], *, close: bool) -> str:
    """SQL for the JSON members of `columns` as they appear inside net_attribute()'s row object,
    each after a comma (`,"a":1,"b":null`), with the closing brace when `close`."""
    if not columns:
        return "'}'" if close else "''"
    pairs = ", ".join(f"'{c}': {_quote(c)}" for c in columns)
    text = f"cast(to_json({{{pairs}}}) as varchar)"
    return f"',' || substr({text}, 2)" if close else f"',' || substr({text}, 2, strlen({text}) - 2)"


def _build(
    con: duckdb.DuckDBPyConnection, names: tuple[str, str, str], *, temp: bool, keyed: bool = True
) -> None:
    """Run net_attribute() over the points once, then store its distinct parts and, per point, the
    ids of its parts. The JSON of a part is rendered once per distinct part, not per point.

    A point finds its parts by a hash of the part's columns (an integer join, seconds faster than
    comparing the nested columns); when two distinct parts share a hash (or `keyed` is off), it
    finds them by the columns themselves."""
    points, heads, rests = names
    kind = "temp table" if temp else "table"
    columns = [str(r[0]) for r in con.execute("describe select * from int_ip4_point_attribution").fetchall()]
    at = columns.index(_SPLIT)
    parts = {"head": columns[1:at], "rest": columns[at + 1 :]}  # columns[0] is `point`

    def listed(part: list[str], alias: str = "") -> str:
        return ", ".join(alias + _quote(c) for c in part) or "1"

    work = "lookup_ip4_build"
    con.execute(
        f"create or replace temp table {work} as select *, "  # noqa: S608 - fixed names, quoted columns
        f"hash({listed(parts['head'])}) as _head_key, hash({listed(parts['rest'])}) as _rest_key "
        "from int_ip4_point_attribution"
    )
    try:
        for table, name in ((heads, "head"), (rests, "rest")):
            part = parts[name]
            con.execute(
                f"create or replace {kind} {table} as "  # noqa: S608 - fixed names, quoted columns
                f"select (row_number() over (order by _key) - 1)::integer as {name}_id, * exclude (_key), "
                f"{_json(part, close=name == 'rest')} as json, _key "
                f"from (select distinct on (_{name}_key) _{name}_key as _key, {listed(part)} from {work})"
            )
            if keyed:
                distinct = f"select count(*) from (select distinct {listed(part)} from {work})"  # noqa: S608
                exact = first_row(con.execute(distinct))
                stored = first_row(con.execute(f"select count(*) from {table}"))  # noqa: S608
                keyed = exact is not None and stored is not None and exact[0] == stored[0]
        if keyed:
            match = "h._key = w._head_key and r._key = w._rest_key"
        else:  # rebuild the parts by their columns: distinct parts may have been merged by the hash
            for table, name in ((heads, "head"), (rests, "rest")):
                part = parts[name]
                con.execute(
                    f"create or replace {kind} {table} as "  # noqa: S608 - fixed names, quoted columns
                    f"select (row_number() over () - 1)::integer as {name}_id, *, "
                    f"{_json(part, close=name == 'rest')} as json, null::ubigint as _key "
                    f"from (select distinct {listed(part)} from {work})"
                )
            match = (
                " and ".join(
                    [f"h.{_quote(c)} is not distinct from w.{_quote(c)}" for c in parts["head"]]
                    + [f"r.{_quote(c)} is not distinct from w.{_quote(c)}" for c in parts["rest"]]
                )
                or "true"
            )
        con.execute(
            f"create or replace {kind} {points} as "  # noqa: S608 - fixed names, quoted columns
            f"select w.point, w.{_SPLIT}, coalesce(cast(to_json(w.{_SPLIT}) as varchar), 'null') as route_json, "
            f"h.head_id, r.rest_id from {work} as w, {heads} as h, {rests} as r where {match} order by w.point"
        )
    finally:
        con.execute(f"drop table if exists {work}")

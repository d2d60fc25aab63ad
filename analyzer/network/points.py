"""Bulk IPv4 attribution by binary search: millions of addresses without a query per chunk over
the whole routing table.

net_attribute() (sql/21) re-reads and sorts the routing intervals on every call: about a second
per call over a full table, whatever the number of addresses, so bounded chunks of a long input
would each pay it. Between two consecutive points of int_ip4_bounds (sql/27) every address has the
same answer, so net_attribute() is run once over the points (sql/28) and stored in
lookup_ip4_points with the fingerprint of the inputs; each chunk then costs a numpy binary search
and a gather of the rows of the points it hit. The rows are net_attribute()'s own: only `address`
is the caller's text.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

from analyzer.cursors import first_row
from analyzer.meta import get_meta, set_meta
from analyzer.output import JsonTails
from analyzer.workspace import Workspace

FINGERPRINT_KEY = "lookup_ip4_points_fingerprint"
STORE = "lookup_ip4_points"
_TEMP = "lookup_ip4_points_tmp"

# Dotted-quad IPv4 exactly as Python's ipaddress accepts it (0-255, no leading zeros): what
# analyzer.lookup.is_address decides for these texts, decided for a whole column at once.
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
IPV4 = rf"^{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}$"


def is_ipv4(texts: pl.Series) -> pl.Series:
    """Which texts are dotted-quad IPv4 addresses (already stripped of whitespace)."""
    return texts.str.contains(IPV4).fill_null(False)


def ipv4_int(texts: pl.Series) -> np.ndarray:
    """The integer of each dotted-quad text (every one valid, see is_ipv4)."""
    parts = texts.str.split_exact(".", 3).struct.unnest()
    value = pl.lit(0, pl.UInt64)
    for i, weight in enumerate((1 << 24, 1 << 16, 1 << 8, 1)):
        value = value + parts[f"field_{i}"].cast(pl.UInt64) * weight
    return parts.select(value.alias("ip"))["ip"].to_numpy()


class Ip4Points:
    """The stored points of one workspace, held in memory (the points, then the rows or their JSON
    text as first asked): `attribute` and `json_tails` answer a column of IPv4 texts."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.store = _ensure(ws)
        self._rows: pa.Table | None = None
        self._tails: pa.Array | None = None
        self.points = np.sort(self._read("point").column(0).to_numpy())

    def _index(self, texts: pl.Series) -> pa.Array:
        return pa.array(np.searchsorted(self.points, ipv4_int(texts), side="right") - 1)

    def _read(self, columns: str) -> pa.Table:
        """Columns of the store in point order, as one Arrow chunk (a take from a chunked array
        concatenates it on every call). One thread scans the table in its stored order, which is
        point order, without a sort that would hold the rows twice; the order is checked."""
        con = self.ws.con
        row = first_row(con.execute(f"select count(*), current_setting('threads') from {self.store}"))  # noqa: S608
        assert row is not None
        con.execute("set threads = 1")
        try:
            query = f"select point as _order, {columns} from {self.store}"  # noqa: S608 - fixed names
            table = con.sql(query).to_arrow_table(max(int(row[0]), 1))
        finally:
            con.execute(f"set threads = {int(row[1])}")
        order = table.column("_order").to_numpy()
        if len(order) > 1 and not bool((order[1:] > order[:-1]).all()):
            table = table.take(np.argsort(order, kind="stable"))
        return table.drop_columns(["_order"]).combine_chunks()

    def _read_tails(self) -> pa.Array:
        """json_tail in point order as one string array, copied batch by batch into buffers sized
        up front: the peak is the array plus one batch, not the array twice."""
        con = self.ws.con
        row = first_row(
            con.execute(
                f"select count(*), coalesce(sum(strlen(json_tail)), 0), current_setting('threads') from {self.store}"  # noqa: S608
            )
        )
        assert row is not None
        count, size = int(row[0]), int(row[1])
        data = np.empty(size, dtype=np.uint8)
        offsets = np.empty(count + 1, dtype=np.int64)
        offsets[0] = 0
        at = done = 0
        last = -1
        con.execute("set threads = 1")
        try:
            reader = con.sql(f"select point, json_tail from {self.store}").to_arrow_reader(1 << 16)  # noqa: S608
            for batch in reader:
                point = batch.column(0).to_numpy()
                assert int(point[0]) > last and bool((point[1:] > point[:-1]).all()), "stored in point order"
                last = int(point[-1])
                tails = batch.column(1)
                lo = np.frombuffer(tails.buffers()[1], np.int32, len(tails) + 1, 4 * tails.offset)
                chunk = np.frombuffer(tails.buffers()[2], np.uint8, int(lo[-1] - lo[0]), int(lo[0]))
                data[at : at + len(chunk)] = chunk
                offsets[done + 1 : done + len(tails) + 1] = lo[1:] - lo[0] + at
                at += len(chunk)
                done += len(tails)
        finally:
            con.execute(f"set threads = {int(row[2])}")
        assert done == count and at == size
        return pa.LargeStringArray.from_buffers(count, pa.py_buffer(offsets), pa.py_buffer(data))

    def attribute(self, texts: pl.Series, columns: list[str]) -> pa.Table:
        """One row per text, in order: the row of its point with `address` = the text."""
        if self._rows is None:
            self._rows = self._read("* exclude (point, json_tail)")
        rows = self._rows.take(self._index(texts))
        address = texts.to_arrow().cast(pa.string())
        return rows.set_column(rows.schema.get_field_index("address"), "address", address).select(columns)

    def json_tails(self, texts: pl.Series) -> JsonTails:
        """The same rows as JSON: each text with the JSON of its point's row after the address."""
        if self._tails is None:
            self._tails = self._read_tails()
        return JsonTails(texts.to_arrow().cast(pa.string()), self._tails.take(self._index(texts)))


def _fingerprint(ws: Workspace) -> str:
    row = first_row(ws.con.execute("select attr_inputs_fingerprint()"))
    assert row is not None
    return str(row[0])


def _ensure(ws: Workspace) -> str:
    """The name of a table holding the current points: the store, rebuilt when its inputs changed;
    on a read-only database a temporary table for this session."""
    fingerprint = _fingerprint(ws)
    if get_meta(ws.con, FINGERPRINT_KEY) == fingerprint:
        return STORE
    if ws.read_only:
        ws.con.execute(
            f"create or replace temp table {_TEMP} as select * from int_ip4_point_attribution order by point"  # noqa: S608
        )
        return _TEMP
    with ws.transaction() as con:
        con.execute(f"delete from {STORE}")  # noqa: S608 - fixed names
        con.execute(f"insert into {STORE} select * from int_ip4_point_attribution order by point")  # noqa: S608
        set_meta(con, FINGERPRINT_KEY, fingerprint)
    return STORE

"""IP attribution for callers: analyzer.lookup, other capabilities, notebooks. Every function runs the
same SQL as the int_ip_attribution view (the net_attribute() table macro in sql/21) over a temporary
Arrow table of the addresses: no per-address Python."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from analyzer.errors import AnalyzerError, SQLError
from analyzer.workspace import Workspace

# The columns of int_ip_attribution, in order (the contract in docs/architecture.md, then extras).
COLUMNS = (
    "address",
    "family",
    "range_provider_id",
    "range_service",
    "range_region",
    "range_prefix",
    "range_dataset_id",
    "range_date",
    "route_prefix",
    "origin_asns",
    "route_dataset_id",
    "route_date",
    "as_name",
    "as_country",
    "asn_provider_id",
    "provider_id",
    "confidence",
    "as_handle",
    "error",
    "as_of",
    "provider_name",
    "provider_country",
    "ranges",
    "origin_providers",
    "as_org_id",
    "as_source",
    "as_dataset_id",
    "as_date",
    "route_table_id",
    "route_table_date",
)
# A bulk lookup's CSV: the hostname (empty for an address), then every attribution column.
CSV_COLUMNS = ("name", *COLUMNS)
_INPUT = "_net_lookup_input"


def _query(
    ws: Workspace,
    addresses: pa.Array | pa.ChunkedArray | Sequence[str],
    columns: Sequence[str] | None,
    offset: int = 0,
) -> pa.Table:
    """Run net_attribute() over the addresses; rows come back unordered, with their `seq`."""
    if not isinstance(addresses, pa.Array | pa.ChunkedArray):
        addresses = pa.array(list(addresses), pa.string())
    wanted = list(columns or COLUMNS)
    unknown = [c for c in wanted if c not in COLUMNS]
    if unknown:
        raise AnalyzerError(
            f"unknown attribution column(s) {', '.join(unknown)}; expected some of {', '.join(COLUMNS)}"
        )
    seq = pa.array(
        np.arange(offset, offset + len(addresses), dtype=np.int64)
    )  # not a Python range: 7x faster
    table = pa.table({"seq": seq, "address": addresses})
    # Unordered: putting rows back in input order afterwards is cheaper than an ORDER BY over wide rows.
    # Only the wanted columns are selected, so DuckDB prunes the joins that feed the others.
    query = f"select seq, {', '.join(wanted)} from net_attribute('{_INPUT}')"  # noqa: S608 - checked names
    # A cursor of its own: the registered input is private to it, and a result left open on the
    # workspace connection by a caller does not block it.
    cur = ws.con.cursor()
    try:
        cur.execute("set enable_progress_bar_print = false")
        cur.register(_INPUT, table)
        result = cur.sql(query).to_arrow_table()
    except duckdb.Error as exc:
        raise SQLError(f"address lookup failed: {str(exc).splitlines()[0]}") from exc
    finally:
        cur.close()
    assert isinstance(result, pa.Table)
    return result


# Addresses per query: bounds memory (10M at once peaked at 11 GiB, 4M chunks at about 5 GiB) at the
# cost of re-reading the interval tables once per chunk.
CHUNK = 4_000_000


def _chunks(
    addresses: pa.Array | pa.ChunkedArray | Sequence[str],
) -> Iterator[tuple[int, pa.Array | pa.ChunkedArray]]:
    """(offset, slice) pairs of at most CHUNK addresses."""
    if not isinstance(addresses, pa.Array | pa.ChunkedArray):
        addresses = pa.array(list(addresses), pa.string())
    if len(addresses) == 0:
        yield 0, addresses
    for start in range(0, len(addresses), CHUNK):
        yield start, addresses.slice(start, CHUNK)


def _in_input_order(frame: pl.DataFrame, offset: int) -> pl.DataFrame:
    """Rows put back in input order: `seq` is a permutation of offset..offset+n-1, so one scatter
    gives each output position its row and one gather moves the rows (cheaper than a sort)."""
    frame = frame.rechunk()
    seq = frame["seq"].to_numpy() - offset
    position = np.empty(len(seq), dtype=np.int64)
    position[seq] = np.arange(len(seq), dtype=np.int64)
    return frame[pl.Series(position)].drop("seq")


def attribute_frame(
    ws: Workspace,
    addresses: pl.Series | Sequence[str],
    columns: Sequence[str] | None = None,
    *,
    ordered: bool = True,
) -> pl.DataFrame:
    """Bulk attribution: address strings in, one row per input out, in input order; `columns` limits
    the output (and the work) to some of COLUMNS. `ordered=False` skips the reordering (about a
    third of the time for full rows) and adds `seq`, each row's 0-based input position."""
    array = addresses.to_arrow() if isinstance(addresses, pl.Series) else addresses
    frames = []
    for offset, chunk in _chunks(array):
        frame = pl.from_arrow(_query(ws, chunk, columns, offset))
        assert isinstance(frame, pl.DataFrame)
        frames.append(_in_input_order(frame, offset) if ordered else frame)
    return pl.concat(frames, rechunk=False)


def attribute_arrow(
    ws: Workspace,
    addresses: pa.Array | pa.ChunkedArray | Sequence[str],
    columns: Sequence[str] | None = None,
    *,
    ordered: bool = True,
) -> pa.Table:
    """The Arrow form of attribute_frame."""
    if not ordered:
        return pa.concat_tables(_query(ws, chunk, columns, offset) for offset, chunk in _chunks(addresses))
    parts = []
    for offset, chunk in _chunks(addresses):
        result = _query(ws, chunk, columns, offset)
        parts.append(result.take(pc.sort_indices(result.column("seq"))).drop_columns(["seq"]))
    return pa.concat_tables(parts)


def attribute_addresses(ws: Workspace, addresses: Iterable[str]) -> list[dict[str, Any]]:
    """One dict per input address, in order; an invalid address has `error` set, never raises."""
    return attribute_arrow(ws, [str(a) for a in addresses]).to_pylist()


# Moved to analyzer.lookup, which composes this module with the DNS look-up; the README once named
# them here, so they stay reachable under this module.
_MOVED = ("is_address", "hostname_lookup", "lookup")


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        import analyzer.lookup  # the one upward import, allowed by tests/test_layering.py

        return getattr(analyzer.lookup, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

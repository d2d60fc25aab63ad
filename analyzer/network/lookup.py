"""IP attribution for callers: the CLI, other capabilities, notebooks. Every function runs the same
SQL as the int_ip_attribution view (the net_attribute() table macro in sql/21) over a temporary
Arrow table of the addresses: no per-address Python."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa

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
)
_INPUT = "_net_lookup_input"
_SELECT = f"select {', '.join(COLUMNS)} from net_attribute('{_INPUT}') order by seq"  # noqa: S608


def attribute_arrow(ws: Workspace, addresses: pa.Array | pa.ChunkedArray | Sequence[str]) -> pa.Table:
    """Bulk attribution: an Arrow array (or list) of address strings in, one row per input, in order."""
    if not isinstance(addresses, pa.Array | pa.ChunkedArray):
        addresses = pa.array(list(addresses), pa.string())
    table = pa.table({"seq": pa.array(range(len(addresses)), pa.int64()), "address": addresses})
    # A cursor of its own: the registered input is private to it, and a result left open on the
    # workspace connection by a caller does not block it.
    cur = ws.con.cursor()
    try:
        cur.register(_INPUT, table)
        result = cur.sql(_SELECT).to_arrow_table()
    except duckdb.Error as exc:
        raise SQLError(f"address lookup failed: {str(exc).splitlines()[0]}") from exc
    finally:
        cur.close()
    assert isinstance(result, pa.Table)
    return result


def attribute_frame(ws: Workspace, addresses: pl.Series | Sequence[str]) -> pl.DataFrame:
    """The polars form of attribute_arrow."""
    array = addresses.to_arrow() if isinstance(addresses, pl.Series) else addresses
    frame = pl.from_arrow(attribute_arrow(ws, array))
    assert isinstance(frame, pl.DataFrame)
    return frame


def attribute_addresses(ws: Workspace, addresses: Iterable[str]) -> list[dict[str, Any]]:
    """One dict per input address, in order; an invalid address has `error` set, never raises."""
    return attribute_arrow(ws, [str(a) for a in addresses]).to_pylist()


def is_address(text: str) -> bool:
    """Whether an argument of `analyzer lookup` is an IP address (else it is a hostname)."""
    import ipaddress

    try:
        ipaddress.ip_address(text.strip())
    except ValueError:
        return False
    return True


def _dns_unavailable(ws: Workspace, names: list[str]) -> list[dict[str, Any]]:
    raise AnalyzerError(
        f"{names[0]!r} is not an IP address, and hostname lookup needs the DNS capability "
        "(analyzer.dns.lookup.lookup_hostnames), which this version does not have; pass addresses"
    )


# Set at merge time to analyzer.dns.lookup.lookup_hostnames (ws, names) -> list[dict].
hostname_lookup: Callable[[Workspace, list[str]], list[dict[str, Any]]] = _dns_unavailable


def lookup(ws: Workspace, items: Iterable[str]) -> list[dict[str, Any]]:
    """Addresses through attribute_addresses, other arguments through the hostname lookup."""
    rows: list[dict[str, Any]] = []
    for is_ip, group in itertools.groupby((i.strip() for i in items if i.strip()), key=is_address):
        batch = list(group)
        rows.extend(attribute_addresses(ws, batch) if is_ip else hostname_lookup(ws, batch))
    return rows

"""`analyzer lookup` and `Analyzer.lookup`: addresses through the network capability's attribution,
hostnames through the DNS snapshots (chain, addresses, MX/NS/TXT of the domain) with every final
address attributed by the network capability in one call. The one module that composes the two;
an address that TLS scans saw serve certificates also gets them (`served_certificates`, from the
ct capability's int_ssl_observations)."""

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from analyzer.ct.observations import served_certificates
from analyzer.dns.lookup import attach_attribution, lookup_hostnames
from analyzer.network.lookup import COLUMNS, attribute_addresses, attribute_arrow
from analyzer.network.points import Ip4Points, ipv4_block, is_ipv4
from analyzer.output import JsonParts
from analyzer.workspace import Workspace


def is_address(text: str) -> bool:
    """Whether an argument of `analyzer lookup` is an IP address (else it is a hostname)."""
    try:
        ipaddress.ip_address(text.strip())
    except ValueError:
        return False
    return True


def hostname_lookup(ws: Workspace, names: list[str]) -> list[dict[str, Any]]:
    """Hostnames through the DNS snapshots (chain, addresses, MX/NS/TXT of the domain), each address
    with its attribution row from one attribute_addresses call."""
    return attach_attribution(ws, lookup_hostnames(ws, names), attribute_addresses)


def lookup(ws: Workspace, items: Iterable[str]) -> list[dict[str, Any]]:
    """Addresses through attribute_addresses, other arguments through the hostname lookup."""
    rows: list[dict[str, Any]] = []
    for is_ip, group in itertools.groupby((i.strip() for i in items if i.strip()), key=is_address):
        batch = list(group)
        rows.extend(address_lookup(ws, batch) if is_ip else hostname_lookup(ws, batch))
    return rows


def address_lookup(ws: Workspace, addresses: list[str]) -> list[dict[str, Any]]:
    """attribute_addresses rows, each with the certificates scans saw the address serve, if any."""
    rows = attribute_addresses(ws, addresses)
    served = served_certificates(ws, addresses)
    if served:
        for row, text in zip(rows, addresses, strict=True):
            key = str(ipaddress.ip_address(text.strip()))  # addresses are IP addresses (is_address)
            if key in served:
                row["served_certificates"] = served[key]
    return rows


def lookup_frame(ws: Workspace, targets: str | Iterable[str]) -> pl.DataFrame:
    """The notebook form: the addresses' rows, then the hostnames' rows, as one DataFrame."""
    items = [targets] if isinstance(targets, str) else list(targets)
    addresses, names = [], []
    for item in items:
        try:
            addresses.append(str(ipaddress.ip_address(item.strip())))
        except ValueError:
            names.append(item.strip())
    frames = []
    if addresses:
        frames.append(pl.DataFrame(attribute_addresses(ws, addresses)))
    if names:
        frames.append(pl.DataFrame(hostname_lookup(ws, names)))
    return pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()


# A part of the answer of a bulk lookup: address rows as Arrow (COLUMNS of the network capability)
# or already as JSON (`as_json`), or hostname results as dicts; parts come in input order.
Part = pa.Table | JsonParts | list[dict[str, Any]]


def stream_lookup(
    ws: Workspace,
    chunks: Iterable[list[str] | bytes],
    *,
    as_json: bool = False,
    points: Ip4Points | None = None,
) -> Iterator[Part]:
    """The answers of `lookup`, chunk by chunk, in input order, with bounded memory: a chunk's
    dotted-quad IPv4 addresses by a binary search over the stored points (analyzer.network.points),
    other addresses through attribute_arrow, hostnames through the hostname lookup. The same rows
    as `lookup` (tests/test_network_lookup.py compares them). A chunk is a list of texts or a block
    of input lines (UTF-8 bytes); a block of bare IPv4 lines is parsed by numpy in one go.
    `points`: the store to search (loaded on first use), for a caller that exports it after."""
    points = points or Ip4Points(ws)
    for lines in chunks:
        if isinstance(lines, bytes):
            quads = ipv4_block(lines)
            if quads is not None:
                texts, ints = quads
                yield (
                    points.json_tails(texts, ints)
                    if as_json
                    else points.attribute(texts, list(COLUMNS), ints)
                )
                continue
            lines = lines.decode("utf-8", errors="replace").splitlines()
        texts = pl.Series("address", lines, dtype=pl.String).str.strip_chars()
        texts = texts.filter(texts != "")
        if texts.is_empty():
            continue
        v4 = is_ipv4(texts).to_numpy()
        kinds = np.zeros(len(texts), dtype=np.int8)  # 0 IPv4 text, 1 another address, 2 hostname
        if not v4.all():
            others = np.flatnonzero(~v4)
            kinds[others] = [1 if is_address(t) else 2 for t in texts.gather(others).to_list()]
        starts = np.flatnonzero(np.diff(kinds, prepend=-1))
        for start, end in zip(starts, [*starts[1:], len(texts)], strict=True):
            run = texts.slice(int(start), int(end - start))
            kind = kinds[start]
            if kind == 0:
                yield points.json_tails(run) if as_json else points.attribute(run, list(COLUMNS))
            elif kind == 1:
                yield attribute_arrow(ws, run.to_arrow())
            else:
                yield hostname_lookup(ws, run.to_list())

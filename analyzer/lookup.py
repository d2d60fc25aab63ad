"""`analyzer lookup` and `Analyzer.lookup`: addresses through the network capability's attribution,
hostnames through the DNS snapshots (chain, addresses, MX/NS/TXT of the domain) with every final
address attributed by the network capability in one call. The one module that composes the two;
an address that TLS scans saw serve certificates also gets them (`served_certificates`, from the
ct capability's int_ssl_observations)."""

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Iterable
from typing import Any

import polars as pl

from analyzer.ct.observations import served_certificates
from analyzer.dns.lookup import attach_attribution, lookup_hostnames
from analyzer.network.lookup import attribute_addresses
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

"""Hostnames: normalisation (lowercase, no trailing dot, IDNA) and registrable domains (PSL, offline;
answered by the SQL macro of sql/03 through analyzer.psl)."""

from __future__ import annotations

import re

import idna

from analyzer import psl

_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")


def normalize_hostname(name: str) -> str | None:
    """`WWW.Example.COM.` -> `www.example.com`; Unicode to punycode; None when not a valid name."""
    host = name.strip().rstrip(".").lower()
    wildcard = host.startswith("*.")
    if wildcard:
        host = host[2:]
    if not host:
        return None
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError:
            return None
    if len(host) > 253 or not all(_LABEL.match(label) for label in host.split(".")):
        return None
    if host.rsplit(".", 1)[-1].isdigit():  # `300.1.2.3`, `10.0.0.1`: an address (or none), not a name
        return None
    return f"*.{host}" if wildcard else host


def registrable_domain(name: str) -> str | None:
    """eTLD+1 by the Public Suffix List: `*.cdn.x.co.uk` -> `x.co.uk`; None for a bare suffix."""
    host = normalize_hostname(name)
    if host is None:
        return None
    return psl.registrable_domain(host.removeprefix("*."))

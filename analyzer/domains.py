"""Hostnames: normalisation (lowercase, no trailing dot, IDNA) and registrable domains (PSL, offline)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import idna
import publicsuffixlist
from publicsuffixlist import PublicSuffixList

from analyzer.cache import Cache, data_dir
from analyzer.resources import datasets_dir

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
    return f"*.{host}" if wildcard else host


def psl_path() -> Path:
    """The PSL file in use: the newest copy `analyzer refresh psl` accepted, else one placed in
    datasets/, else the snapshot the publicsuffixlist package ships."""
    refreshed = Cache(data_dir()).latest("psl")
    for local in (refreshed.file if refreshed else None, datasets_dir() / "public_suffix_list.dat"):
        if local is not None and local.exists():
            return Path(local)
    return Path(publicsuffixlist.PSLFILE)


@cache
def _psl() -> PublicSuffixList:
    with psl_path().open("rb") as fh:
        return PublicSuffixList(fh)


def registrable_domain(name: str) -> str | None:
    """eTLD+1 by the Public Suffix List: `*.cdn.x.co.uk` -> `x.co.uk`; None for a bare suffix."""
    host = normalize_hostname(name)
    if host is None:
        return None
    host = host.removeprefix("*.")
    result = _psl().privatesuffix(host)
    return result if isinstance(result, str) else None

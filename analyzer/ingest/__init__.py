"""`analyzer ingest KIND PATH...`: one parser module per kind, one transaction per file."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from analyzer.ct import ingest as ct_ingest
from analyzer.ct.match import refresh_if_stale as ct_refresh_if_stale
from analyzer.errors import ConfigError
from analyzer.ingest import csl, watchlist
from analyzer.ingest.base import LoadContext, LoadResult, Parser, load_file
from analyzer.network import ranges as net_ranges
from analyzer.network import routing as net_routing
from analyzer.workspace import Workspace


def _dns(ctx: LoadContext) -> int:
    # Imported on use: analyzer.dns itself imports analyzer.ingest.base (a cycle at import time).
    from analyzer.dns.ingest import ingest as dns_ingest

    return dns_ingest(ctx)


# kind -> parser; each parser detects the format within its kind.
KINDS: dict[str, Parser] = {
    "csl": csl.ingest,
    "watchlist": watchlist.ingest,
    "ranges": net_ranges.ingest_ranges,
    "pfx2as": net_routing.ingest_pfx2as,
    "ip2asn": net_routing.ingest_ip2asn,
    "as2org": net_routing.ingest_as2org,
    "dns": _dns,
    "ct": ct_ingest.ingest,
}

# Derived tables to bring up to date after files were loaded (each checks whether it is stale).
AFTER_INGEST: list[Callable[[Workspace], object]] = [ct_refresh_if_stale]


def ingest(
    ws: Workspace,
    kind: str,
    paths: Iterable[str | Path],
    *,
    options: dict[str, Any] | None = None,
    force: bool = False,
    source: str | None = None,
) -> list[LoadResult]:
    """Load each file of `kind`; a failing file raises after the ones before it were committed.

    `source` (a URL, from refresh) is recorded as the files' provenance instead of their paths.
    """
    parser = KINDS.get(kind)
    if parser is None:
        raise ConfigError(f"unknown kind {kind!r}; expected one of: {', '.join(sorted(KINDS))}")
    if kind == "dns":  # a directory or glob of OpenINTEL files: one dataset per file; --source is the label
        from analyzer.dns.ingest import expand_paths

        paths = expand_paths(paths)
        options = {**(options or {}), "label": (options or {}).get("label") or (options or {}).get("source")}
    results: list[LoadResult] = []
    try:
        for p in paths:
            results.append(load_file(ws, kind, Path(p), parser, options=options, force=force, source=source))
    finally:
        if results:
            for hook in AFTER_INGEST:
                hook(ws)
    return results

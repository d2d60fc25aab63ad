"""`analyzer ingest KIND PATH...`: one parser module per kind, one transaction per file."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from analyzer.errors import ConfigError
from analyzer.ingest import csl, watchlist
from analyzer.ingest.base import LoadResult, Parser, load_file
from analyzer.network import ranges as net_ranges
from analyzer.network import routing as net_routing
from analyzer.workspace import Workspace

# kind -> parser; each parser detects the format within its kind.
KINDS: dict[str, Parser] = {
    "csl": csl.ingest,
    "watchlist": watchlist.ingest,
    "ranges": net_ranges.ingest_ranges,
    "pfx2as": net_routing.ingest_pfx2as,
    "ip2asn": net_routing.ingest_ip2asn,
    "as2org": net_routing.ingest_as2org,
}


def ingest(
    ws: Workspace,
    kind: str,
    paths: Iterable[str | Path],
    *,
    options: dict[str, Any] | None = None,
    force: bool = False,
) -> list[LoadResult]:
    """Load each file of `kind`; a failing file raises after the ones before it were committed."""
    parser = KINDS.get(kind)
    if parser is None:
        raise ConfigError(f"unknown kind {kind!r}; expected one of: {', '.join(sorted(KINDS))}")
    return [load_file(ws, kind, Path(p), parser, options=options, force=force) for p in paths]

"""`analyzer ingest KIND PATH...`: one parser module per kind, one transaction per file."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from analyzer.errors import ConfigError
from analyzer.ingest import csl, watchlist
from analyzer.ingest.base import LoadResult, Parser, load_file
from analyzer.workspace import Workspace

# kind -> parser; each parser detects the format within its kind.
KINDS: dict[str, Parser] = {
    "csl": csl.ingest,
    "watchlist": watchlist.ingest,
}


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
    return [load_file(ws, kind, Path(p), parser, options=options, force=force, source=source) for p in paths]

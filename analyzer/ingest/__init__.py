"""The ingest framework: `ingest(ws, kind, paths)` loads files of a registered kind, one transaction
per file (base.load_file: provenance, idempotence, issues), then brings derived tables up to date.

The framework knows no kind itself: each capability (analyzer.watchlists, .network, .dns, .ct)
registers its parsers with `register_kind` and its derived tables with `after_ingest` when it is
imported, and importing `analyzer` imports them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from analyzer import attribution
from analyzer.attribution import AttributionResult
from analyzer.errors import ConfigError
from analyzer.ingest.base import LoadContext, LoadResult, Parser, load_file
from analyzer.workspace import Workspace

__all__ = [
    "AFTER_INGEST",
    "KINDS",
    "PREPARE",
    "IngestRun",
    "LoadContext",
    "LoadResult",
    "Parser",
    "after_ingest",
    "ingest",
    "register_kind",
]

# Turns the arguments of one ingest into its files and options (a directory into its files, ...).
Prepare = Callable[[Iterable[str | Path], dict[str, Any]], tuple[list[Path], dict[str, Any]]]

# kind -> parser; each parser detects the format within its kind.
KINDS: dict[str, Parser] = {}
# kind -> how its arguments become files and options; a kind without one loads each path as given.
PREPARE: dict[str, Prepare] = {}
# Derived tables to bring up to date after files were loaded (each checks whether it is stale).
AFTER_INGEST: list[Callable[[Workspace], object]] = []


def register_kind(kind: str, parser: Parser, *, prepare: Prepare | None = None) -> None:
    """Make `kind` loadable; a capability calls this once per kind when it is imported."""
    if kind in KINDS and KINDS[kind] is not parser:
        raise ConfigError(f"ingest kind {kind!r} is registered twice")
    KINDS[kind] = parser
    if prepare is not None:
        PREPARE[kind] = prepare


def after_ingest(hook: Callable[[Workspace], object]) -> None:
    """Run `hook(ws)` after the files of every ingest (it should return quickly when nothing changed)."""
    if hook not in AFTER_INGEST:
        AFTER_INGEST.append(hook)


class IngestRun(list[LoadResult]):
    """The results of one ingest, one per file in order, and what refreshing the stored attribution
    did (`attribution`: None when it was not asked for or was already up to date)."""

    attribution: AttributionResult | None = None


def ingest(
    ws: Workspace,
    kind: str,
    paths: Iterable[str | Path],
    *,
    options: dict[str, Any] | None = None,
    force: bool = False,
    source: str | None = None,
    attribute: bool = False,
) -> IngestRun:
    """Load each file of `kind`; a failing file raises after the ones before it were committed.

    `source` (a URL, from refresh) is recorded as the files' provenance instead of their paths.
    `attribute=True` ends with the stored attribution up to date (what `analyzer ingest` does); it is
    off by default so that a sequence of ingests computes the attribution once, after the last.
    """
    parser = KINDS.get(kind)
    if parser is None:
        raise ConfigError(f"unknown kind {kind!r}; expected one of: {', '.join(sorted(KINDS))}")
    prepare = PREPARE.get(kind)
    if prepare is not None:
        paths, options = prepare(paths, dict(options or {}))
    results = IngestRun()
    try:
        for p in paths:
            results.append(load_file(ws, kind, Path(p), parser, options=options, force=force, source=source))
    finally:
        if results:
            for hook in AFTER_INGEST:
                hook(ws)
    if attribute:
        results.attribution = attribution.ensure(ws)
    return results

"""The ingest framework: `ingest(ws, kind, paths)` loads files of a registered kind, one transaction
per file (base.load_file: provenance, idempotence, issues), then brings derived tables up to date.

The framework knows no kind itself: each capability (analyzer.watchlists, .network, .dns, .ct)
registers its parsers with `register_kind` and its derived tables with `after_ingest` when it is
imported. analyzer.capabilities names them and their kinds; they are imported on the first ingest
or drop (`load_capabilities`), so that a command which ingests nothing does not load them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analyzer import attribution
from analyzer.attribution import AttributionResult
from analyzer.capabilities import CAPABILITIES, kind_names
from analyzer.errors import ConfigError
from analyzer.ingest.base import LoadContext, LoadResult, Parser, load_file
from analyzer.workspace import Workspace

__all__ = [
    "AFTER_DROP",
    "AFTER_INGEST",
    "CAPABILITIES",
    "KINDS",
    "PREPARE",
    "DropResult",
    "IngestRun",
    "LoadContext",
    "LoadResult",
    "Parser",
    "after_drop",
    "after_ingest",
    "drop_datasets",
    "ingest",
    "kind_names",
    "load_capabilities",
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
# kind -> derived tables to rebuild, inside the transaction, when a dataset of that kind is dropped.
AFTER_DROP: dict[str, list[Callable[[Workspace], object]]] = {}
# Tables with a dataset_id that a drop leaves alone: the dataset rows themselves (deleted last) and
# the refresh log (history: what was fetched and ingested when).
_KEEP_ON_DROP = ("datasets", "refresh_log")


def load_capabilities() -> None:
    """Import every capability (once): their kinds, preparations and hooks are then registered.
    Loaded by name, as a plugin registry is: the capabilities sit above this framework."""
    for name in CAPABILITIES:
        importlib.import_module(name)


def register_kind(kind: str, parser: Parser, *, prepare: Prepare | None = None) -> None:
    """Make `kind` loadable; a capability calls this once per kind when it is imported."""
    if kind not in kind_names():
        raise ConfigError(f"ingest kind {kind!r} is not declared in analyzer/capabilities.py")
    if kind in KINDS and KINDS[kind] is not parser:
        raise ConfigError(f"ingest kind {kind!r} is registered twice")
    KINDS[kind] = parser
    if prepare is not None:
        PREPARE[kind] = prepare


def after_ingest(hook: Callable[[Workspace], object]) -> None:
    """Run `hook(ws)` after the files of every ingest (it should return quickly when nothing changed)."""
    if hook not in AFTER_INGEST:
        AFTER_INGEST.append(hook)


def after_drop(kind: str, hook: Callable[[Workspace], object]) -> None:
    """Run `hook(ws)` in the transaction that drops a dataset of `kind` (derived tables that depend
    on which files are loaded, not only on their rows)."""
    hooks = AFTER_DROP.setdefault(kind, [])
    if hook not in hooks:
        hooks.append(hook)


@dataclass
class DropResult:
    """What `drop_datasets` removed: the datasets (id, kind, source) and rows per table."""

    datasets: list[dict[str, Any]]
    rows: dict[str, int] = field(default_factory=dict)
    attribution: AttributionResult | None = None

    def summary(self) -> str:
        shown = "; ".join(f"dataset {d['dataset_id']} ({d['kind']}, {d['source']})" for d in self.datasets)
        rows = ", ".join(f"{n:,} from {t}" for t, n in sorted(self.rows.items()) if n)
        return f"dropped {shown}: {rows or 'no rows'}"


def drop_datasets(ws: Workspace, dataset_ids: Iterable[int]) -> DropResult:
    """Remove datasets and every row they loaded (each table with a `dataset_id`), in one
    transaction; then bring the derived tables and the stored attribution up to date."""
    ids = sorted(set(dataset_ids))
    if not ids:
        raise ConfigError("name the dataset id(s) to drop; `analyzer datasets` lists them")
    found = ws.rows(
        "select dataset_id, kind, source from datasets where dataset_id in (select unnest(?::integer[])) "
        "order by dataset_id",
        [ids],
    )
    unknown = sorted(set(ids) - {d["dataset_id"] for d in found})
    if unknown:
        raise ConfigError(
            f"no dataset {', '.join(map(str, unknown))} in {ws.path}; `analyzer datasets` lists them"
        )
    tables = [
        r["table_name"]
        for r in ws.rows(
            "select distinct c.table_name from duckdb_columns() as c "
            "join duckdb_tables() as t on t.table_name = c.table_name and t.schema_name = c.schema_name "
            "and t.database_name = c.database_name "
            "where c.column_name = 'dataset_id' and not t.temporary and t.schema_name = 'main' "
            "and t.database_name = current_database() order by 1"
        )
        if r["table_name"] not in _KEEP_ON_DROP
    ]
    result = DropResult(found)
    load_capabilities()  # the drop hooks of the datasets' kinds, and every after-ingest hook
    with ws.transaction() as con:
        for table in tables:
            row = con.execute(
                f'delete from "{table}" where dataset_id in (select unnest(?::integer[]))',  # noqa: S608
                [ids],
            ).fetchall()
            result.rows[table] = int(row[0][0]) if row else 0
        con.execute("delete from datasets where dataset_id in (select unnest(?::integer[]))", [ids])
        for kind in dict.fromkeys(d["kind"] for d in found):
            for hook in AFTER_DROP.get(kind, []):
                hook(ws)
    for hook in AFTER_INGEST:
        hook(ws)
    result.attribution = attribution.ensure(ws)
    return result


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
    load_capabilities()
    parser = KINDS.get(kind)
    if parser is None:
        raise ConfigError(f"unknown kind {kind!r}; expected one of: {', '.join(kind_names())}")
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

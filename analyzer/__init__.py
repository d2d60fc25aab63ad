"""analyzer: who keeps companies on export-control and sanctions lists online, from public data.

Notebook use::

    import analyzer
    ws = analyzer.open("analyzer.duckdb")
    ws.df("select * from entities where list_code = 'EL'")
    ws.provider_summary(list_code="EL")      # polars DataFrames; arrow=True for Arrow tables
"""

from __future__ import annotations

from pathlib import Path

# The capabilities register their ingest kinds when imported: importing analyzer loads them all.
from analyzer import ct, dns, network, settings, watchlists  # noqa: F401
from analyzer.api import Analyzer
from analyzer.version import __version__
from analyzer.workspace import Workspace

__all__ = ["Analyzer", "Workspace", "__version__", "open"]


def open(path: str | Path | None = None, *, read_only: bool = False) -> Analyzer:
    """Open (or create) an analyzer database; see Analyzer for the DataFrame methods."""
    return Analyzer(settings.db_path(path), read_only=read_only)

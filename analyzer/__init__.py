"""analyzer: who keeps companies on export-control and sanctions lists online, from public data.

Notebook use::

    import analyzer
    ws = analyzer.open("analyzer.duckdb")
    ws.df("select * from entities where list_code = 'EL'")
"""

from __future__ import annotations

from pathlib import Path

from analyzer.workspace import Workspace, open_workspace

__version__ = "0.1.0"
__all__ = ["Workspace", "__version__", "open"]


def open(path: str | Path | None = None, *, read_only: bool = False) -> Workspace:
    """Open (or create) an analyzer database; see Workspace for the query methods."""
    return open_workspace(path, read_only=read_only)

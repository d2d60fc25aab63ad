"""analyzer: who keeps companies on export-control and sanctions lists online, from public data.

Notebook use::

    import analyzer
    ws = analyzer.open("analyzer.duckdb")
    ws.df("select * from entities where list_code = 'EL'")
    ws.provider_summary(list_code="EL")      # polars DataFrames; arrow=True for Arrow tables

`import analyzer` is light: the notebook API (`Analyzer`, `Workspace`) and the subpackages
(`analyzer.settings`, ...) are imported when first named, and the capabilities when something is
ingested (analyzer.ingest.load_capabilities), so that a command of the CLI loads only what it runs.
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer.version import __version__

if TYPE_CHECKING:
    from analyzer.api import Analyzer
    from analyzer.workspace import Workspace

__all__ = ["Analyzer", "Workspace", "__version__", "open"]


def open(path: str | Path | None = None, *, read_only: bool = False) -> Analyzer:
    """Open (or create) an analyzer database; see Analyzer for the DataFrame methods."""
    from analyzer import settings
    from analyzer.api import Analyzer

    return Analyzer(settings.db_path(path), read_only=read_only)


def __getattr__(name: str) -> Any:
    """`Analyzer`, `Workspace` and the subpackages (`analyzer.settings`, `analyzer.network`, ...),
    each imported when first named: `import analyzer` used to import them all, and notebooks name
    them so. Not a private name: `analyzer.__main__` would run the CLI."""
    if name == "Analyzer":
        from analyzer.api import Analyzer

        return Analyzer
    if name == "Workspace":
        from analyzer.workspace import Workspace

        return Workspace
    if not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'analyzer' has no attribute {name!r}")


def __dir__() -> list[str]:
    """What a notebook completes after `analyzer.`: the lazy names too."""
    return sorted({*globals(), *__all__})

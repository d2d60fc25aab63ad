"""The `analyzer` command: a thin typer layer. Each command parses, calls one library function, prints.

Nothing outside this package imports typer. Library errors (AnalyzerError) become one red line on
stderr and exit status 1; `--debug` (or ANALYZER_DEBUG=1) shows the traceback instead.
"""

from __future__ import annotations

from analyzer.cli import (
    core,  # noqa: F401  (registers the commands)
    ct,  # noqa: F401
    network,  # noqa: F401
    refresh,  # noqa: F401
    report,  # noqa: F401
    spark,  # noqa: F401
)
from analyzer.cli.app import app, main

__all__ = ["app", "main"]

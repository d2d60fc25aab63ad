"""The `analyzer` command: a thin typer layer. Each command parses, calls one library function, prints.

Nothing outside this package imports typer. Library errors (AnalyzerError) become one red line on
stderr and exit status 1; `--debug` (or ANALYZER_DEBUG=1) shows the traceback instead.

`main()` registers only the command it runs (analyzer.cli.app.COMMANDS); a caller of `app` itself
(typer's CliRunner, ...) calls `load_commands()` first.
"""

from __future__ import annotations

from analyzer.cli.app import app, load_commands, main

__all__ = ["app", "load_commands", "main"]

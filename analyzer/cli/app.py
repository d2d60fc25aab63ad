"""The typer app, the global options, and the error boundary every command runs inside."""

from __future__ import annotations

import functools
import importlib
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from analyzer.cli.options import DbOption
from analyzer.errors import AnalyzerError
from analyzer.safe_text import SafeConsole, text, visible
from analyzer.version import __version__

if TYPE_CHECKING:
    from analyzer.workspace import Workspace

app = typer.Typer(
    name="analyzer",
    help="Who keeps listed companies online: passive attribution of infrastructure providers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Off a terminal rich would wrap at 80 columns; logs and pipes get wide lines instead.
# SafeConsole: every plain string is printed literally (no markup, control characters escaped);
# tables and trees build their data cells with safe_text.text.
out = SafeConsole(width=None if sys.stdout.isatty() else 200)
err = SafeConsole(stderr=True, soft_wrap=True)

_state: dict[str, Any] = {"db": None, "debug": False}

F = TypeVar("F", bound=Callable[..., Any])


def _print_version(value: bool) -> None:
    if value:
        sys.stdout.write(f"analyzer {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(
    db: DbOption = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    _state["db"] = db
    _state["debug"] = debug or os.environ.get("ANALYZER_DEBUG") == "1"


def debugging() -> bool:
    """--debug given, or ANALYZER_DEBUG=1: tracebacks of errors, and why a path was taken."""
    return bool(_state["debug"]) or os.environ.get("ANALYZER_DEBUG") == "1"


def db_path(db: Path | None = None) -> Path | None:
    """The command's --db, else the one given before the command (`analyzer --db X cmd`)."""
    return db or _state["db"]


@contextmanager
def workspace(db: Path | None = None, *, read_only: bool = False) -> Iterator[Workspace]:
    from analyzer.workspace import open_workspace  # here: not every command opens the engine

    with open_workspace(db_path(db), read_only=read_only) as ws:  # an error closes it without its hooks
        yield ws


def fail(message: str) -> None:
    err.print(text(f"error: {message}", style="bold red"))
    raise typer.Exit(1)


def echo(data: str) -> None:
    """Plain text to stdout (CSV, JSON): no markup, no wrapping; on a terminal its control
    characters are shown escaped (into a pipe or file the bytes stay as they are)."""
    if sys.stdout.isatty():
        data = visible(data)
    sys.stdout.write(data if data.endswith("\n") else data + "\n")


def command(*args: Any, **kwargs: Any) -> Callable[[F], F]:
    """`app.command` whose function runs inside the error boundary."""

    def register(fn: F) -> F:
        @functools.wraps(fn)
        def run(*a: Any, **kw: Any) -> Any:
            try:
                return fn(*a, **kw)
            except AnalyzerError as exc:
                if debugging():
                    raise
                err.print(f"error: {exc}", style="bold red", highlight=False, markup=False)
                raise typer.Exit(1) from None

        app.command(*args, **kwargs)(run)
        return fn

    return register


# Each command and the module of analyzer/cli that defines it. `main` imports only the module of
# the command being run: importing every command module, and all the library they use, was most of
# the start-up time of a command. tests/test_cli_startup.py checks it against the commands registered.
COMMANDS = {
    **dict.fromkeys(
        ("ingest", "attribute", "services", "datasets", "entities", "providers", "sql", "demo", "check"),
        "core",
    ),
    **dict.fromkeys(("domains", "link", "unlink", "ct-match"), "ct"),
    "lookup": "network",
    "refresh": "refresh",
    **dict.fromkeys(("report", "diff", "explain"), "report"),
    **dict.fromkeys(("spark", "export"), "spark"),
}


def load_commands(modules: list[str] | None = None) -> None:
    """Register the commands of `modules` (names in COMMANDS' values), else of every module. By
    name: the command modules sit above this one (they import `command` from here)."""
    for module in dict.fromkeys(modules if modules is not None else COMMANDS.values()):
        importlib.import_module(f"analyzer.cli.{module}")


def command_named(argv: list[str]) -> str | None:
    """The command an argument list runs: its first word that is neither an option nor the value of
    the global --db. None when there is none, or when --help comes first (`analyzer --help sql` is
    the help of analyzer, which lists every command)."""
    args = iter(argv)
    for arg in args:
        if arg == "--db":
            next(args, None)
        elif arg == "--help":
            return None
        elif not arg.startswith("-"):
            return arg
    return None


def main() -> None:
    """Console-script entry point: the command's own module, or all of them (help, a misspelt
    command: typer then lists or suggests from every command)."""
    args = sys.argv[1:]
    name = command_named(args)
    if name in COMMANDS:
        load_commands([COMMANDS[name]])
    elif name is None and "--version" in args and "--help" not in args:
        pass  # `--version` alone needs no command
    else:
        load_commands()
    app()

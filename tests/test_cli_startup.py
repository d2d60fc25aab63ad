"""A command loads only what it runs: `main()` imports the command's own module of analyzer/cli
(analyzer.cli.app.COMMANDS), and the library imports polars, pyarrow and the ingest capabilities
only where they are used (numpy too). Start-up was most of a quick command's time (issue 14: the CLI floor)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.cli import app
from analyzer.cli.app import COMMANDS, command_named


def test_every_command_is_in_the_registry_with_its_module() -> None:
    found = {c.name: c.callback.__module__ for c in app.registered_commands if c.name and c.callback}
    found |= {g.name: "analyzer.cli.spark" for g in app.registered_groups if g.name}
    assert found == {name: f"analyzer.cli.{module}" for name, module in COMMANDS.items()}


@pytest.mark.parametrize(
    ("argv", "name"),
    [
        (["sql", "select 1"], "sql"),
        (["--db", "x.duckdb", "lookup", "-"], "lookup"),
        (["--db=x.duckdb", "--debug", "report"], "report"),
        (["--db", "sql", "datasets"], "datasets"),  # a database file named like a command
        (["--help"], None),
        (["--help", "sql"], None),  # the help of analyzer, not of sql
        (["--db", "x.duckdb", "--help", "report"], None),
        (["sql", "--help"], "sql"),
        ([], None),
    ],
)
def test_the_command_is_the_first_word_that_is_not_an_option(argv: list[str], name: str | None) -> None:
    assert command_named(argv) == name


_PROBE = """
import json, sys
sys.argv = ["analyzer", *json.loads(sys.argv[1])]
try:
    from analyzer.cli import main
    main()
except SystemExit:
    pass
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("analyzer", "numpy", "polars", "pyarrow"))
sys.stderr.write("\\nLOADED " + json.dumps(loaded) + "\\n")
"""


def _loaded(args: list[str]) -> tuple[set[str], str]:
    """The modules a command run loaded, and what it printed."""
    run = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    line = [x for x in run.stderr.splitlines() if x.startswith("LOADED ")]
    assert line, run.stderr
    return set(json.loads(line[-1].removeprefix("LOADED "))), run.stdout


def test_sql_loads_no_dataframe_library_nor_the_capabilities(tmp_path: Path) -> None:
    db = tmp_path / "a.duckdb"
    _loaded(["--db", str(db), "sql", "--write", "create table t as select 1 as x"])  # the database
    loaded, printed = _loaded(["--db", str(db), "sql", "--format", "csv", "select x + 41 as x from t"])
    assert printed.splitlines() == ["x", "42"]
    assert not {"numpy", "polars", "pyarrow"} & loaded
    assert not {"analyzer.dns", "analyzer.network", "analyzer.ct", "analyzer.cli.report"} & loaded


# --help before a command, or before --version, is analyzer's help: every command is listed.
@pytest.mark.parametrize("args", [["--help"], ["--help", "sql"], ["--help", "--version"]])
def test_help_lists_every_command(args: list[str]) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "analyzer", *args], capture_output=True, text=True, check=False, timeout=120
    )
    assert run.returncode == 0, run.stderr
    for name in COMMANDS:
        assert name in run.stdout


_NOTEBOOK = """
import json, sys
import analyzer
light = sorted(m for m in sys.modules if m.split(".")[0] in ("numpy", "polars", "pyarrow", "analyzer"))
named = [analyzer.settings.__name__, analyzer.ct.__name__, analyzer.lookup.__name__, analyzer.Analyzer.__name__]
print(json.dumps({
    "light": light,
    "named": named,
    "dir": [n for n in ("Analyzer", "Workspace", "open") if n in dir(analyzer)],
    "missing": [hasattr(analyzer, n) for n in ("nope", "__main__")],
}))
"""


def test_import_analyzer_is_light_and_names_the_subpackages_as_it_did() -> None:
    """`import analyzer` loads no capability and no DataFrame library, yet `analyzer.settings`,
    `analyzer.ct`, ... are there when named (a notebook's `analyzer.<TAB>` lists the lazy names too),
    and naming what does not exist is an AttributeError (`analyzer.__main__` does not run the CLI)."""
    run = subprocess.run(
        [sys.executable, "-c", _NOTEBOOK], capture_output=True, text=True, check=False, timeout=120
    )
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)
    assert seen["light"] == ["analyzer", "analyzer.version"]
    assert seen["named"] == ["analyzer.settings", "analyzer.ct", "analyzer.lookup", "Analyzer"]
    assert seen["dir"] == ["Analyzer", "Workspace", "open"]
    assert seen["missing"] == [False, False]

"""Installation as users install it: declared dependencies, shipped data, the wheel's contents."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from typer.testing import CliRunner

import analyzer
from analyzer import demo
from analyzer.cli import app
from analyzer.resources import datasets_dir, project_root, sql_dir

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# Import names whose distribution is not found under the same name by packages_distributions().
KNOWN_OWNERS = {"yaml": "pyyaml"}


def _declared() -> set[str]:
    deps = PYPROJECT["project"]["dependencies"]
    return {re.split(r"[<>=!~\[; ]", d, maxsplit=1)[0].strip().lower().replace("_", "-") for d in deps}


def _third_party_imports(path: Path) -> list[tuple[int, str]]:
    """Top-level module names imported anywhere in the file (functions included), except TYPE_CHECKING."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for sub in node.body:
                skip.update(range(sub.lineno, (sub.end_lineno or sub.lineno) + 1))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        if node.lineno in skip:
            continue
        for name in names:
            top = name.split(".")[0]
            if top not in sys.stdlib_module_names and top != "analyzer":
                found.append((node.lineno, top))
    return found


def test_every_module_the_package_imports_is_a_runtime_dependency() -> None:
    declared = _declared()
    owners = {
        m: [d.lower().replace("_", "-") for d in ds] for m, ds in metadata.packages_distributions().items()
    }
    # analyzer/spark/ is the optional `[spark]` extra (analyzer imports without it: test_spark_export.py)
    spark_extra = {
        re.split(r"[<>=!~\[; ]", d, maxsplit=1)[0].strip().lower()
        for d in PYPROJECT["project"]["optional-dependencies"]["spark"]
    }
    undeclared = []
    for path in sorted((ROOT / "analyzer").rglob("*.py")):
        allowed = (
            declared | spark_extra if "spark" in path.relative_to(ROOT / "analyzer").parts[:1] else declared
        )
        for line, top in _third_party_imports(path):
            candidates = [*owners.get(top, []), KNOWN_OWNERS.get(top, top.lower().replace("_", "-"))]
            if not any(c in allowed for c in candidates):
                undeclared.append(f"{path.relative_to(ROOT)}:{line}: {top}")
    assert undeclared == [], "imported but not in [project].dependencies: " + ", ".join(undeclared)


def test_the_check_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import os\n\ndef f():\n    import numpy as np\n    from polars import col\n")
    assert _third_party_imports(module) == [(4, "numpy"), (5, "polars")]


def test_shipped_folders_are_found_through_the_package() -> None:
    assert project_root() == ROOT  # a checkout reads its own folders in place
    assert (sql_dir() / "00_raw_core.sql").is_file()
    for name in ("providers.yaml", "lists.yaml", "sources.yaml", "demo/demo.yaml"):
        assert (datasets_dir() / name).is_file(), name


def test_every_demo_file_is_shipped_and_named_in_the_plan() -> None:
    steps = demo.demo_steps()
    planned = {f for step in steps for f in step.files}
    kinds = {step.kind for step in steps}
    assert kinds == {"watchlist", "ranges", "pfx2as", "as2org", "dns", "ct"}
    demo_folder = datasets_dir() / "demo"
    shipped = {p for p in demo_folder.rglob("*") if p.is_file() and p.suffix not in (".md", ".yaml")}
    shipped |= set((datasets_dir() / "ranges").iterdir())
    # watchlist.yaml is a .yaml data file of the demo, not its plan
    assert planned == shipped | {demo_folder / "watchlist.yaml"}


def _install_tree(tmp_path: Path) -> Path:
    """A copy of sql/ and datasets/, for ANALYZER_HOME."""
    home = tmp_path / "home"
    for folder in ("sql", "datasets"):
        shutil.copytree(ROOT / folder, home / folder)
    return home


def test_demo_names_a_missing_shipped_file_instead_of_an_empty_report(tmp_path: Path) -> None:
    home = _install_tree(tmp_path)
    (home / "datasets" / "demo" / "dns" / "2025-07-20-1752969600-fdns_any.json.gz").unlink()
    done = subprocess.run(
        [sys.executable, "-m", "analyzer", "demo", "--db", str(tmp_path / "d.duckdb")],
        env={"ANALYZER_HOME": str(home), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "datasets/demo/dns/2025-07-20-1752969600-fdns_any.json.gz is missing" in lines[0]
    assert not (tmp_path / "d.duckdb").exists()  # nothing was built


def test_version_option_prints_the_package_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"analyzer {analyzer.__version__}\n"
    assert analyzer.__version__ == metadata.version("analyzer")


def test_demo_help_says_where_its_files_come_from() -> None:
    result = CliRunner().invoke(app, ["demo", "--help"], terminal_width=200)
    assert result.exit_code == 0
    assert "analyzer/_data/datasets" in result.stdout
    assert str(datasets_dir()) in result.stdout


hatchling = pytest.importorskip(
    "hatchling.builders.wheel", reason="hatchling (the build backend) is not installed"
)


def test_the_wheel_carries_everything_the_program_reads(tmp_path: Path) -> None:
    builder = hatchling.WheelBuilder(str(ROOT))
    wheel = Path(next(iter(builder.build(directory=str(tmp_path), versions=["standard"]))))
    names = set(zipfile.ZipFile(wheel).namelist())
    tracked = subprocess.run(
        ["git", "ls-files", "sql", "datasets"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    missing = [f for f in tracked if f"analyzer/_data/{f}" not in names]
    assert missing == []
    assert not any(n.startswith("tests/") or "__pycache__" in n for n in names)
    # installed from the wheel alone, the package finds its data inside itself, from any folder
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    done = subprocess.run(
        [sys.executable, "-c", "from analyzer.resources import project_root; print(project_root())"],
        env={"PYTHONPATH": str(unpacked), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    assert done.stdout.strip() == str(unpacked / "analyzer" / "_data")

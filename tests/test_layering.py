"""Imports point down. Every module of analyzer/ belongs to a unit (a top-level module or package)
and every unit to a layer below; a module may import its own unit and lower layers only, at the top
of the module (an import inside a function is how a cycle hides), and no modules import each other
in a circle. A new module needs a line in LAYERS: where it sits is a decision, not an accident."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from analyzer.capabilities import CAPABILITIES
from analyzer.ingest import AFTER_INGEST, KINDS, load_capabilities

PACKAGE = Path(__file__).parent.parent / "analyzer"

# Bottom to top. A unit imports units of lower layers; within the leaves, small single-job modules
# may also import each other (errors <- settings, cursors <- meta, cache <- psl <- domains, ...).
LAYERS: list[tuple[str, set[str]]] = [
    (
        "leaves",
        {
            "errors",
            "version",
            "settings",
            "resources",
            "names",
            "output",
            "compression",
            "cursors",
            "meta",
            "cache",
            "labels",
            "psl",
            "domains",
            "sqlgraph",
            "safe_text",
            "templates",
            "capabilities",
            "ipv4_text",
        },
    ),
    ("reference data the workspace loads", {"catalog"}),
    ("the point file's header and upkeep: what every database open runs, no numpy", {"lookup_file_header"}),
    ("the bulk lookup's point file: numpy, no engine", {"lookup_file"}),
    ("workspace", {"workspace"}),
    ("shared views computed once", {"materialize"}),
    ("stored answers and provenance", {"attribution", "domain_store", "provenance"}),
    ("ingest framework", {"ingest"}),
    ("watchlists", {"watchlists"}),
    ("capabilities", {"network", "dns", "ct"}),
    ("answers", {"lookup", "report", "contracts", "sqlquery", "refresh", "export"}),
    ("explanations (read the report model)", {"explain"}),
    ("entry points", {"api", "demo", "spark"}),
    ("the package: open() and every capability's registration", {"analyzer"}),
    ("command line", {"cli"}),
    ("python -m analyzer", {"__main__"}),
]
SIDEWAYS_OK = {"leaves"}

# (importer, imported): the only imports allowed inside a function, each with why.
LATE_IMPORTS = {
    **dict.fromkeys(
        (("analyzer", "analyzer.settings"), ("analyzer", "analyzer.api"), ("analyzer", "analyzer.workspace")),
        "the notebook API loads when first named: `import analyzer` stays light (a command's start-up)",
    ),
    (
        "analyzer.network.lookup",
        "analyzer.lookup",
    ): "the README's former path of lookup() (module __getattr__)",
    (
        "analyzer.cli.spark",
        "analyzer.spark.__main__",
    ): "pyspark and sqlglot are an optional extra: loaded when the command runs",
    (
        "analyzer.cli.app",
        "analyzer.workspace",
    ): "DuckDB loads when a command opens a database: a bulk lookup answered from the point file never does",
    (
        "analyzer.cli.network",
        "analyzer.cli.lookup_engine",
    ): "the engine loads when the point file cannot answer (analyzer.lookup_file)",
    (
        "analyzer.spark.__main__",
        "analyzer.spark.job",
    ): "pyspark and sqlglot are an optional extra: loaded when the job runs",
}


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int
    top_level: bool


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def unit_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "analyzer"


def is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _top_level_nodes(tree: ast.Module) -> set[int]:
    """ids of the import statements run when the module is imported (not inside a def or class)."""
    found: set[int] = set()
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.add(id(node))
        stack.extend(ast.iter_child_nodes(node))
    return found


def imports() -> list[Import]:
    """Every import of an analyzer module by a module of analyzer/, at any depth."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        importer = module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        top = _top_level_nodes(tree)
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{importer}:{node.lineno}: use absolute imports"
                base = node.module or ""
                # `from analyzer.ct import lookups` imports the module analyzer.ct.lookups
                targets = [f"{base}.{a.name}" if is_module(f"{base}.{a.name}") else base for a in node.names]
            for target in dict.fromkeys(targets):  # `from m import a, b` is one import of m
                if target == "analyzer" or target.startswith("analyzer."):
                    found.append(Import(importer, target, node.lineno, id(node) in top))
    return found


def layer_of(unit: str) -> int:
    for i, (_, units) in enumerate(LAYERS):
        if unit in units:
            return i
    raise AssertionError(f"analyzer unit {unit!r} is in no layer of LAYERS (tests/test_layering.py): add it")


def test_every_unit_has_a_layer() -> None:
    units = {unit_of(module_name(p)) for p in PACKAGE.rglob("*.py")}
    for unit in units:
        layer_of(unit)
    listed = set().union(*(u for _, u in LAYERS))
    assert listed <= units, f"LAYERS names units that do not exist: {sorted(listed - units)}"


def upward(found: list[Import]) -> list[str]:
    """The imports that point up (or sideways between units of one layer)."""
    wrong = []
    for imp in found:
        a, b = unit_of(imp.importer), unit_of(imp.imported)
        if a == b or (imp.importer, imp.imported) in LATE_IMPORTS:
            continue
        la, lb = layer_of(a), layer_of(b)
        if lb < la or (la == lb and LAYERS[la][0] in SIDEWAYS_OK):
            continue
        wrong.append(
            f"{imp.importer}:{imp.line} imports {imp.imported}: "
            f"{LAYERS[la][0]!r} may not import {LAYERS[lb][0]!r}"
        )
    return wrong


def late(found: list[Import]) -> list[str]:
    """The imports inside a function or class body (other than LATE_IMPORTS)."""
    return [
        f"{imp.importer}:{imp.line} imports {imp.imported} inside a function or class"
        for imp in found
        if not imp.top_level and (imp.importer, imp.imported) not in LATE_IMPORTS
    ]


def cycles(found: list[Import]) -> list[str]:
    """Circles of modules importing each other when imported (depth-first search)."""
    graph: dict[str, set[str]] = {}
    for imp in found:
        if imp.top_level and imp.importer != imp.imported:
            graph.setdefault(imp.importer, set()).add(imp.imported)
    seen: set[str] = set()
    circles: list[str] = []

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            circles.append(" -> ".join([*path[path.index(module) :], module]))
            return
        if module in seen:
            return
        seen.add(module)
        for target in sorted(graph.get(module, ())):
            visit(target, [*path, module])

    for module in sorted(graph):
        visit(module, [])
    return circles


def test_imports_point_down() -> None:
    wrong = upward(imports())
    assert not wrong, "\n".join(wrong)


def test_imports_are_at_the_top_of_the_module() -> None:
    wrong = late(imports())
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle() -> None:
    found = cycles(imports())
    assert not found, "\n".join(found)


def test_the_checks_see_what_the_layout_had_before() -> None:
    """The faults the checks exist for, as they were in the code (issue 16)."""
    before = [
        Import("analyzer.domains", "analyzer.refresh.cache", 37, top_level=False),
        Import("analyzer.network.lookup", "analyzer.dns.lookup", 164, top_level=False),
        Import("analyzer.workspace", "analyzer.catalog", 108, top_level=True),
        Import("analyzer.catalog", "analyzer.workspace", 14, top_level=True),
    ]
    assert upward(before) == [
        "analyzer.domains:37 imports analyzer.refresh.cache: 'leaves' may not import 'answers'",
        "analyzer.network.lookup:164 imports analyzer.dns.lookup: "
        "'capabilities' may not import 'capabilities'",
        "analyzer.catalog:14 imports analyzer.workspace: "
        "'reference data the workspace loads' may not import 'workspace'",
    ]
    assert len(late(before)) == 2
    assert cycles(before) == ["analyzer.catalog -> analyzer.workspace -> analyzer.catalog"]


@pytest.mark.parametrize(
    ("kinds", "package"),
    [
        (("csl", "watchlist"), "analyzer.watchlists"),
        (("ranges", "pfx2as", "ip2asn", "as2org"), "analyzer.network"),
        (("dns",), "analyzer.dns"),
        (("ct",), "analyzer.ct"),
    ],
)
def test_each_capability_registers_its_own_kinds(kinds: tuple[str, ...], package: str) -> None:
    load_capabilities()
    assert CAPABILITIES[package] == kinds  # what `analyzer ingest --help` lists before loading them
    for kind in kinds:
        assert KINDS[kind].__module__.startswith(package + "."), (kind, KINDS[kind].__module__)


def test_the_framework_knows_no_kind() -> None:
    load_capabilities()
    assert set(KINDS) == {"csl", "watchlist", "ranges", "pfx2as", "ip2asn", "as2org", "dns", "ct"}
    assert [f"{h.__module__}.{h.__name__}" for h in AFTER_INGEST] == [
        "analyzer.ct.match.refresh_if_stale",
        "analyzer.network.points.refresh_points",
    ]
    source = (PACKAGE / "ingest" / "__init__.py").read_text(encoding="utf-8")
    for kind in KINDS:
        assert f'"{kind}"' not in source, f"analyzer/ingest/__init__.py names the kind {kind!r}"

"""docs/architecture.md is the map of the code: every sql/ file and every module is on it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def _module_map() -> str:
    return DOC[DOC.index("## Module map") :]


def test_every_sql_file_is_described() -> None:
    listed = set(re.findall(r"`(\d\d_\w+\.sql)`", DOC))
    present = {p.name for p in (ROOT / "sql").glob("*.sql")}
    assert sorted(present - listed) == [], "sql/ files missing from docs/architecture.md"
    assert sorted(listed - present) == [], "docs/architecture.md names sql/ files that do not exist"


def test_every_module_is_in_the_module_map() -> None:
    listed = set(re.findall(r"^\| `([\w/]+\.py)` \|", _module_map(), re.MULTILINE))
    present = {p.relative_to(ROOT / "analyzer").as_posix() for p in (ROOT / "analyzer").rglob("*.py")}
    assert sorted(present - listed) == [], "modules missing from the module map of docs/architecture.md"
    assert sorted(listed - present) == [], "the module map names modules that do not exist"

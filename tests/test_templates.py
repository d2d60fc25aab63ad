"""New databases are copies of a cached empty database, checked like any database opened."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer import settings, templates, workspace
from analyzer.workspace import Workspace

TABLES = ("catalog_providers", "catalog_hostnames", "catalog_asns", "public_suffixes", "analyzer_meta")


def _contents(path: Path) -> dict[str, list[tuple]]:
    with Workspace(path, read_only=True) as ws:
        out = {t: ws.con.execute(f"select * from {t} order by all").fetchall() for t in TABLES}
        out["views"] = ws.con.execute(
            "select view_name, sql from duckdb_views() where not internal order by 1"
        ).fetchall()
    return out


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(settings.CACHE_ENV, str(folder))
    return folder


def test_a_new_database_is_the_cached_template_and_equals_one_prepared_in_place(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds: list[Path] = []
    real = workspace._build_template
    monkeypatch.setattr(workspace, "_build_template", lambda f: (builds.append(f), real(f)))
    Workspace(tmp_path / "a.duckdb").close()
    Workspace(tmp_path / "b.duckdb").close()
    Workspace(tmp_path / "c.duckdb", template=False).close()
    assert len(builds) == 1  # built once, copied twice
    assert [p.name for p in (cache / "templates").iterdir()] == [
        f"empty-{workspace.template_key()[:24]}.duckdb"
    ]
    assert _contents(tmp_path / "b.duckdb") == _contents(tmp_path / "c.duckdb")


def test_a_template_that_does_not_match_the_program_is_corrected_on_open(tmp_path: Path, cache: Path) -> None:
    Workspace(tmp_path / "a.duckdb").close()
    (template,) = (cache / "templates").iterdir()
    with Workspace(template, template=False) as ws:  # as if sql/ and the catalog changed since
        ws.con.execute("drop view attr_entity_services")
        ws.con.execute("delete from catalog_providers")
        ws.con.execute(
            "update analyzer_meta set value = 'stale' where key in ('sql_digest', 'catalog_digest')"
        )
    Workspace(tmp_path / "b.duckdb").close()
    assert _contents(tmp_path / "b.duckdb") == _contents(tmp_path / "a.duckdb")


def test_without_a_writable_cache_the_database_is_prepared_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv(settings.CACHE_ENV, str(blocker))
    with Workspace(tmp_path / "a.duckdb") as ws:
        assert ws.rows("select count(*) as n from catalog_providers")[0]["n"] > 100
    assert blocker.read_text() == "x"


def test_a_file_that_exists_is_never_replaced_by_the_template(tmp_path: Path, cache: Path) -> None:
    Workspace(tmp_path / "a.duckdb").close()
    target = tmp_path / "b.duckdb"
    target.write_bytes(b"")
    assert not templates.seed(target, workspace.template_key(), workspace._build_template)
    assert target.read_bytes() == b""


def test_an_in_memory_database_leaves_no_file(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in (":memory:", ":memory:named"):  # DuckDB's in-memory databases, never a file
        with Workspace(name) as ws:
            assert ws.rows("select count(*) as n from catalog_providers")[0]["n"] > 100
    assert list(tmp_path.iterdir()) == []

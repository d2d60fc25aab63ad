"""The workspace: schema from sql/, versions and migrations, the layer rules of sql/ files."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from analyzer import resources, settings, workspace
from analyzer.errors import ConfigError, SQLError
from analyzer.workspace import SCHEMA_VERSION, Workspace, sql_files

SQL_DIR = Path(__file__).parent.parent / "sql"


def test_new_database_records_schema_version_and_views(db_file: Path) -> None:
    with Workspace(db_file) as ws:
        assert ws.schema_version == SCHEMA_VERSION
        views = {r["view_name"] for r in ws.rows("select view_name from duckdb_views() where not internal")}
    assert {"entities", "entity_names", "stg_dns_records"} <= views


def test_reopening_is_idempotent(db_file: Path) -> None:
    Workspace(db_file).close()
    with Workspace(db_file) as ws:
        ws.apply_sql(force=True)
        assert ws.rows("select count(*) as n from analyzer_meta where key = 'schema_version'") == [{"n": 1}]


def test_database_from_a_newer_version_is_refused_with_what_to_do(db_file: Path) -> None:
    with Workspace(db_file) as ws:
        ws.con.execute("update analyzer_meta set value = '999' where key = 'schema_version'")
    with pytest.raises(ConfigError, match=r"written by a newer analyzer \(schema v999.*upgrade"):
        Workspace(db_file)


def test_older_database_is_migrated(db_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Workspace(db_file) as ws:
        ws.con.execute(
            "insert into datasets (kind, format, source, sha256, bytes) values ('csl', 'csv', 'x', 'y', 1)"
        )
    steps: list[int] = []

    def add_note_column(con: duckdb.DuckDBPyConnection) -> None:
        steps.append(SCHEMA_VERSION + 1)
        con.execute("alter table datasets add column note varchar default 'migrated'")

    monkeypatch.setattr(workspace, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setitem(workspace.MIGRATIONS, SCHEMA_VERSION + 1, add_note_column)
    with Workspace(db_file) as ws:
        assert steps == [SCHEMA_VERSION + 1]
        assert ws.schema_version == SCHEMA_VERSION + 1
        assert ws.rows("select kind, note from datasets") == [{"kind": "csl", "note": "migrated"}]


def test_a_v1_database_gets_date_sources_and_serial_less_certificates(db_file: Path) -> None:
    """v1 -> v2 (issue 18): datasets.date_source added (null: loaded before it was recorded), and
    raw_certificates takes rows without a serial and with organisation candidates."""
    with Workspace(db_file) as ws:  # make it a v1 database: the v1 shapes, the v1 version
        ws.con.execute(
            "insert into datasets (kind, format, source, sha256, bytes) values ('csl', 'csv', 'x', 'y', 1)"
        )
        ws.con.execute("alter table datasets drop column date_source")
        ws.con.execute("alter table raw_certificates drop column subject_o_candidates")
        ws.con.execute("alter table raw_certificates alter column serial set not null")
        ws.con.execute("update analyzer_meta set value = '1' where key = 'schema_version'")
    with Workspace(db_file) as ws:
        assert ws.schema_version == SCHEMA_VERSION
        assert ws.rows("select kind, date_source from datasets") == [{"kind": "csl", "date_source": None}]
        ws.con.execute(
            "insert into raw_certificates (dataset_id, source_format, crtsh_id, serial, subject_o_candidates) "
            "values (1, 'crtsh_json', 7, null, ['PayPal, Inc.'])"
        )
        assert ws.rows("select serial, subject_o_candidates from raw_certificates") == [
            {"serial": None, "subject_o_candidates": ["PayPal, Inc."]}
        ]


def test_missing_migration_says_to_recreate(db_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Workspace(db_file).close()
    monkeypatch.setattr(workspace, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(
        ConfigError, match=f"no migration to v{SCHEMA_VERSION + 1} exists; re-create the database"
    ):
        Workspace(db_file)


def test_a_failing_view_names_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "sql"
    folder.mkdir()
    for f in sql_files(SQL_DIR):
        (folder / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "99_attr_broken.sql").write_text(
        "create or replace view attr_broken as select * from no_such_table", encoding="utf-8"
    )
    monkeypatch.setattr(resources, "sql_dir", lambda: folder)
    with pytest.raises(SQLError, match=r"view attr_broken failed in sql/99_attr_broken.sql: .*no_such_table"):
        Workspace(":memory:")


def test_env_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ANALYZER_DB", str(tmp_path / "env.duckdb"))
    assert settings.db_path(None) == tmp_path / "env.duckdb"
    assert settings.db_path("x.duckdb") == Path("x.duckdb")
    monkeypatch.setenv("ANALYZER_DUCKDB_THREADS", "two")
    with pytest.raises(ConfigError, match="ANALYZER_DUCKDB_THREADS is 'two'"):
        settings.duckdb_config()


# -- the layer rules of sql/ -------------------------------------------------------------------------
_CREATES = re.compile(
    r"create\s+(?:or\s+replace\s+)?(view|table|macro)\s+(?:if\s+not\s+exists\s+)?(\w+)", re.I
)
_READS = re.compile(r"(?<!distinct )\b(?:from|join)\s+([a-z_][a-z0-9_]*)\b(?!\s*\()", re.I)
_CTES = re.compile(
    r"(?:\bwith\s+(?:recursive\s+)?|,\s*)([a-z_][a-z0-9_]*)\s*(?:\([^)]*\))?\s+as\s*(?:materialized\s+)?\(",
    re.I,
)
_BUILTIN = {"information_schema", "unnest", "range", "generate_series", "values"}


def _strip_comments(text: str) -> str:
    text = re.sub(r"--[^\n]*", "", text)
    return re.sub(r"'(?:[^']|'')*'", "''", text)  # string literals are not table names


def test_each_sql_file_reads_only_raw_tables_and_earlier_views() -> None:
    known: set[str] = set()
    for path in sql_files(SQL_DIR):
        text = _strip_comments(path.read_text(encoding="utf-8"))
        created = [(kind.lower(), name.lower()) for kind, name in _CREATES.findall(text)]
        ctes = {c.lower() for c in _CTES.findall(text)}
        reads = {r.lower() for r in _READS.findall(text)} - ctes - _BUILTIN - {n for _, n in created}
        unknown = sorted(reads - known)
        assert not unknown, f"sql/{path.name} reads {unknown}, not defined in an earlier file"
        views = [n for k, n in created if k in ("view", "macro")]
        if path.name[:1] != "0":
            assert len(views) == 1, (
                f"sql/{path.name} must define exactly one view (or macro), defines {views}"
            )
            assert path.stem.split("_", 1)[1] == views[0], f"sql/{path.name} must be named after {views[0]}"
        known.update(n for _, n in created)


def test_each_sql_file_calls_only_macros_defined_before_the_call() -> None:
    texts = {path.name: _strip_comments(path.read_text(encoding="utf-8")) for path in sql_files(SQL_DIR)}
    macros = {
        name.lower()
        for text in texts.values()
        for kind, name in _CREATES.findall(text)
        if kind.lower() == "macro"
    }
    call = re.compile(rf"\b({'|'.join(sorted(macros))})\s*\(", re.I)
    known: set[str] = set()
    for name, text in texts.items():
        defined_at = {
            m.group(2).lower(): m.start() for m in _CREATES.finditer(text) if m.group(1).lower() == "macro"
        }
        for m in call.finditer(text):
            macro = m.group(1).lower()
            assert macro in known or defined_at.get(macro, len(text)) <= m.start(), (
                f"sql/{name} calls {macro}() before any file defines it"
            )
        known.update(defined_at)


def test_every_view_file_states_its_grain() -> None:
    for path in sql_files(SQL_DIR):
        assert re.search(r"^-- grain( \(\w+\))?:", path.read_text(encoding="utf-8"), re.M), path.name


def test_a_v1_database_gets_its_range_intervals_rebuilt_per_range_set(db_file: Path, data: Path) -> None:
    from analyzer.ingest import ingest
    from analyzer.network.lookup import attribute_addresses

    with Workspace(db_file) as ws:
        ingest(ws, "ranges", [data / "network" / "aws_ip_ranges_subset.json"])
        # what v1 left behind: one flat interval table without range sets
        ws.con.execute("drop table net_range_intervals")
        ws.con.execute("delete from net_range_sets")
        ws.con.execute(
            "create table net_range_intervals (family tinyint, lo uhugeint, hi uhugeint, dataset_id integer, "
            "provider_id varchar, service varchar, region varchar, prefix varchar)"
        )
        ws.con.execute("update analyzer_meta set value = '1' where key = 'schema_version'")
        ws.con.execute("update analyzer_meta set value = 'old' where key = 'sql_digest'")
    with Workspace(db_file) as ws:
        assert ws.schema_version == SCHEMA_VERSION
        (row,) = attribute_addresses(ws, ["3.5.140.1"])
        assert (row["provider_id"], row["range_service"]) == ("amazon", "S3")

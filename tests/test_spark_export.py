"""`analyzer export --parquet`, the sql/ dependency graph, the translation rules and the CLI's answer
without the Spark extra. Only the translation tests need sqlglot (the `[spark]` extra); nothing here
starts Spark."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from spark_support import REASON
from test_golden import CASE_DATE, GOLDEN, inputs
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.errors import ConfigError, SQLError
from analyzer.export import export_parquet, input_tables, read_manifest
from analyzer.ingest import ingest
from analyzer.sqlgraph import closure, definitions, split_statements
from analyzer.workspace import Workspace, sql_files

CASE = GOLDEN / "cname_to_cloudfront_is_cdn"


def test_statements_split_outside_strings_and_comments() -> None:
    text = "create view a as select ';' as x; -- a comment; with a semicolon\ncreate view b as select 1;"
    assert split_statements(text) == [
        "create view a as select ';' as x",
        "-- a comment; with a semicolon\ncreate view b as select 1",
    ]


def test_graph_follows_sql_to_the_input_tables() -> None:
    defs = definitions(sql_files())
    names = [d.name for d in closure(defs, ["int_entity_services"])]
    assert "raw_dns_records" in names and "catalog_hostnames" in names and "public_suffixes" in names
    assert "refresh_log" not in names and "load_issues" not in names
    # a table macro's input named as text counts: int_ip_attribution reads net_attribute('int_dns_addresses')
    assert names.index("int_dns_addresses") < names.index("int_ip_attribution")
    tables = input_tables()
    assert "attr_entity_services_store" not in tables  # derived, not an input
    assert {"datasets", "raw_dns_records", "net_range_intervals", "ct_analyst_decisions"} <= set(tables)


@pytest.fixture
def case_db(tmp_path: Path) -> Workspace:
    ws = Workspace(tmp_path / "case.duckdb")
    for kind, path, extra in inputs(CASE):
        ingest(ws, kind, [path], options={"date": CASE_DATE, **extra})
    return ws


def test_export_partitions_dns_and_records_every_file(case_db: Workspace, tmp_path: Path) -> None:
    result = export_parquet(case_db, tmp_path / "export")
    manifest = read_manifest(tmp_path / "export")
    dns = manifest["tables"]["raw_dns_records"]
    assert dns["partition_by"] == ["source", "observed_on"]
    assert all("/source=" in f["path"] and f"/observed_on={CASE_DATE}/" in f["path"] for f in dns["files"])
    assert dns["rows"] == case_db.rows("select count(*) as n from raw_dns_records")[0]["n"]
    for table in manifest["tables"].values():
        for f in table["files"]:
            data = (tmp_path / "export" / f["path"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == f["sha256"] and len(data) == f["bytes"]
    ids = [d["dataset_id"] for d in manifest["datasets"]]
    assert ids == [
        r["dataset_id"]
        for r in case_db.rows("select dataset_id from datasets where status = 'loaded' order by 1")
    ]
    assert result.tables["raw_dns_records"] == dns["rows"]


def test_export_writes_uhugeint_bounds_as_16_byte_big_endian(case_db: Workspace, tmp_path: Path) -> None:
    export_parquet(case_db, tmp_path / "export")
    cols = {
        c["name"]: c for c in read_manifest(tmp_path / "export")["tables"]["net_range_intervals"]["columns"]
    }
    assert cols["lo"]["duckdb_type"] == "UHUGEINT" and cols["lo"]["type"] == "BINARY(16)"
    table = pq.read_table(tmp_path / "export" / "net_range_intervals")
    want = case_db.rows("select family, lo, hi from net_range_intervals order by family, lo limit 1")[0]
    got = sorted(
        zip(table["family"].to_pylist(), table["lo"].to_pylist(), table["hi"].to_pylist(), strict=True)
    )[0]
    assert got[1] == int(want["lo"]).to_bytes(16, "big") and got[2] == int(want["hi"]).to_bytes(16, "big")


def test_export_refuses_a_used_folder_and_replaces_an_earlier_export_on_request(
    case_db: Workspace, tmp_path: Path
) -> None:
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match=r"exists and is not empty; pick a new folder$"):
        export_parquet(case_db, tmp_path / "other")
    export_parquet(case_db, tmp_path / "export")
    with pytest.raises(ConfigError, match="--overwrite"):
        export_parquet(case_db, tmp_path / "export")
    export_parquet(case_db, tmp_path / "export", overwrite=True)
    assert (
        json.loads((tmp_path / "export" / "manifest.json").read_text())["format"] == "analyzer-parquet-export"
    )
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".export-")]  # no staging left behind


def test_spark_command_without_the_extra_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pyspark" else real(name, *a)
    )
    result = CliRunner().invoke(
        app, ["spark", "attribute", "--input", str(tmp_path), "--output", str(tmp_path / "o")]
    )
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "error: pyspark is not installed; install the Spark extra: pip install 'analyzer[spark]'"
    ]


needs_sqlglot = pytest.mark.skipif(
    importlib.util.find_spec("sqlglot") is None, reason=f"translation tests skipped: {REASON}"
)


def _spark_sql(duckdb_sql: str) -> str:
    from analyzer.spark.translate import Translator

    return Translator({}, {}).query(duckdb_sql, lambda sql: [])


@needs_sqlglot
def test_translation_keeps_duckdb_meaning() -> None:
    assert "ARRAY_SORT(COLLECT_SET(v))" in _spark_sql("select list(distinct v order by v) from t")
    assert "SIZE(l)" in _spark_sql("select len(l), length(s) from t") and "LENGTH(s)" in _spark_sql(
        "select length(s) from t"
    )
    assert "ELEMENT_AT(x, t.i)" in _spark_sql("select x[t.i] from t")
    assert "SLICE(" in _spark_sql("select x[1:5] from t")
    assert "\\\\p{Alnum}" in _spark_sql("select regexp_matches(s, '[^[:alnum:]]') from t")
    assert "$1" in _spark_sql("select regexp_replace(s, '(a)', '\\1', 'g') from t")
    assert "TO_JSON(NAMED_STRUCT('a', x)" in _spark_sql("select json_object('a', x) from t")
    assert "LATERAL EXPLODE(h.hops) AS u(host)" in _spark_sql("select * from h, unnest(h.hops) as u(host)")
    assert "QUALIFY" in _spark_sql("select * from t qualify row_number() over (order by a) = 1")


@needs_sqlglot
def test_translation_refuses_what_spark_would_answer_differently() -> None:
    with pytest.raises(SQLError, match="first match only"):
        _spark_sql("select regexp_replace(s, 'a', 'b') from t")


def test_analyzer_imports_and_exports_without_the_spark_extra(case_db: Workspace, tmp_path: Path) -> None:
    """pyspark and sqlglot are optional: with both made unimportable, the CLI loads, `export` works
    and `spark attribute` answers with the one-line install hint."""
    case_db.close()
    script = (
        "import sys; sys.modules['pyspark'] = None; sys.modules['sqlglot'] = None\n"
        "from analyzer.cli import main; sys.argv = ['analyzer', *sys.argv[1:]]; main()\n"
    )
    db = str(tmp_path / "case.duckdb")
    export = subprocess.run(
        [sys.executable, "-c", script, "--db", db, "export", "--parquet", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert export.returncode == 0, export.stderr
    assert "exported" in export.stdout and (tmp_path / "x" / "manifest.json").is_file()
    job = subprocess.run(
        [sys.executable, "-c", script, "spark", "attribute", "--input", str(tmp_path / "x"), "--output", "o"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert job.returncode == 1
    assert (
        job.stderr.strip()
        == "error: pyspark is not installed; install the Spark extra: pip install 'analyzer[spark]'"
    )

"""The CLI through typer's runner: exit codes, messages, formats."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from analyzer.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_ingest_then_count_entity_list_with_sql(db_file: Path, data: Path) -> None:
    code, out, _ = run("ingest", "csl", str(data / "watchman_csl_sample_2019.csv"), "--db", str(db_file))
    assert code == 0
    assert "115 rows loaded, 0 rejected" in out
    code, out, _ = run(
        "sql",
        "select count(*) as n from entities where list_code = 'EL'",
        "--format",
        "json",
        "--db",
        str(db_file),
    )
    assert code == 0
    assert json.loads(out) == [{"n": 22}]


def test_global_db_option_and_env(db_file: Path, data: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ANALYZER_DB", str(db_file))
    assert run("ingest", "csl", str(data / "watchman_consolidated_sample_2025.csv"))[0] == 0
    code, out, _ = run("entities", "--list", "EL", "--json")
    assert code == 0
    [entity] = json.loads(out)
    assert entity["listed_on"] == "2018-08-01"


def test_entities_search_ignores_case_accents_punctuation_legal_forms(db_file: Path, data: Path) -> None:
    run("--db", str(db_file), "ingest", "csl", str(data / "watchman_csl_sample_2019.csv"))
    code, out, _ = run("--db", str(db_file), "entities", "--search", "a. p. FINANCE ltd", "--json")
    assert code == 0
    assert [e["name"] for e in json.loads(out)] == ["A.P. Finance Limited"]
    code, out, _ = run("--db", str(db_file), "entities", "--country", "tr", "--list", "el", "--json")
    assert [e["name"] for e in json.loads(out)] == ["3K Aviation Consulting and Logistics", "Gulnihal Yegane"]


def test_library_error_is_one_line_and_exit_1(db_file: Path, data: Path) -> None:
    code, out, err = run("--db", str(db_file), "ingest", "csl", str(data / "csl" / "missing_name_column.csv"))
    assert code == 1
    assert err.strip().startswith("error: ")
    assert "missing_name_column.csv line 1: missing required column 'name'" in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err + out


def test_unknown_kind(db_file: Path, data: Path) -> None:
    code, _, err = run("--db", str(db_file), "ingest", "bogus", str(data / "csl" / "bom.csv"))
    assert code == 1
    assert "unknown kind 'bogus'; expected one of:" in err


def test_warnings_are_shown_and_datasets_lists_them(db_file: Path, data: Path) -> None:
    code, out, err = run("--db", str(db_file), "ingest", "csl", str(data / "csl" / "bad_date.csv"))
    assert code == 0
    assert "column 'start_date' is 'n/a'" in err
    code, out, _ = run("--db", str(db_file), "datasets", "--format", "json")
    [ds] = json.loads(out)
    assert (ds["kind"], ds["rows_loaded"], ds["warnings"]) == ("csl", 3, 1)
    code, out, _ = run("--db", str(db_file), "datasets", "--issues", str(ds["dataset_id"]), "--format", "csv")
    assert out.splitlines()[0] == "line,severity,message"
    assert out.splitlines()[1].startswith("3,warning,")


def test_sql_error_is_reported(db_file: Path) -> None:
    run("--db", str(db_file), "datasets")  # creates the database; `sql` opens it read-only
    code, _, err = run("--db", str(db_file), "sql", "select * from nowhere")
    assert code == 1
    assert "query failed" in err and "nowhere" in err


def test_sql_csv_output(db_file: Path) -> None:
    run("--db", str(db_file), "datasets")
    code, out, _ = run("--db", str(db_file), "sql", "select 1 as a, 'x,y' as b", "--format", "csv")
    assert code == 0
    assert out == 'a,b\n1,"x,y"\n'


def test_demo_builds_its_own_database(tmp_path: Path) -> None:
    db = tmp_path / "demo.duckdb"
    code, out, _ = run("demo", "--db", str(db))
    assert code == 0, out
    assert "illustrative" in out
    assert db.exists()
    code, out, _ = run(
        "--db", str(db), "sql", "select count(*) as n from entities where list_code = 'DEMO'", "-f", "json"
    )
    assert json.loads(out) == [{"n": 5}]

"""The Consolidated Screening List loads from the publisher's real CSV/JSON, both header generations."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from analyzer.errors import SourceError
from analyzer.ingest import ingest
from analyzer.workspace import Workspace


def count(ws: Workspace, sql: str, params: list | None = None) -> int:
    row = ws.con.execute(sql, params or []).fetchone()
    assert row is not None
    return int(row[0])


def test_2019_header_without_id_gives_every_entity_list_entry(ws: Workspace, data: Path) -> None:
    [result] = ingest(ws, "csl", [data / "watchman_csl_sample_2019.csv"])
    assert result.format == "csv-2019"
    assert (result.rows_loaded, result.rows_rejected) == (115, 0)
    assert count(ws, "select count(*) from entities where list_code = 'EL'") == 22
    assert count(ws, "select count(*) from entities where list_code = 'SDN'") == 28
    assert count(ws, "select count(distinct list_code) from entities") == 9


def test_2025_header_with_id_keeps_the_publishers_id(ws: Workspace, data: Path) -> None:
    [result] = ingest(ws, "csl", [data / "watchman_consolidated_sample_2025.csv"])
    assert result.format == "csv"
    assert result.rows_loaded == 13
    [el] = ws.rows("select * from entities where list_code = 'EL'")
    assert el["name"] == "China Electronics Technology Group Corporation 13th Research Institute (CETC 13)"
    assert el["entry_key"] == "99ed1b052fdb09695fae1ba87516d8a0882b0df04652e07aeb5ce7be"
    assert el["listed_on"] == dt.date(2018, 8, 1)
    assert el["federal_register_notice"] == "83 FR 37423; 87 FR 77505"
    assert el["fr_citations"] == ["83 FR 37423", "87 FR 77505"]
    assert el["country"] == "CN"


def test_aliases_are_split_and_the_bis_and_is_dropped(ws: Workspace, data: Path) -> None:
    ingest(ws, "csl", [data / "watchman_consolidated_sample_2025.csv"])
    names = ws.rows(
        "select n.name, n.name_kind from entity_names n join entities e using (entity_id) "
        "where e.list_code = 'EL' order by n.name"
    )
    aliases = [n["name"] for n in names if n["name_kind"] == "alias"]
    assert aliases == [
        "CETC Research Institute 13",
        "HSRI",
        "Hebei Institute of Semiconductors",
        "Hebei Semiconductor",
        "Hebei Semiconductor Institute",
        "Hebei Semiconductor Research Institute",
    ]
    assert [n["name_kind"] for n in names].count("primary") == 1


def test_dates_and_citations_of_the_2019_list(ws: Workspace, data: Path) -> None:
    ingest(ws, "csl", [data / "watchman_csl_sample_2019.csv"])
    [row] = ws.rows(
        "select listed_on, federal_register_notice, fr_citations, countries from entities "
        "where name = '54th Research Institute of China'"
    )
    assert row["listed_on"] == dt.date(2001, 5, 14)
    assert row["fr_citations"] == ["66 FR 24266", "77 FR 58006", "81 FR 64694"]
    assert row["countries"] == ["CN"]
    [dpl] = ws.rows("select fr_citations from entities where list_code = 'DPL' and name like '%HERNANDEZ%'")
    assert dpl["fr_citations"] == ["82 FR 48792"]  # written "82 F.R. 48792 10/20/2017" upstream


def test_json_form_gives_the_same_entries_as_csv(ws: Workspace, data: Path) -> None:
    [result] = ingest(ws, "csl", [data / "csl" / "consolidated_sample.json"])
    assert result.format == "json"
    [el] = ws.rows("select * from entities where list_code = 'EL'")
    assert el["entry_key"] == "99ed1b052fdb09695fae1ba87516d8a0882b0df04652e07aeb5ce7be"
    assert el["listed_on"] == dt.date(2018, 8, 1)
    assert el["country"] == "CN"
    assert "HSRI" in el["alt_names"]


def test_reingesting_the_same_file_is_a_no_op(ws: Workspace, data: Path) -> None:
    path = data / "watchman_csl_sample_2019.csv"
    ingest(ws, "csl", [path])
    [again] = ingest(ws, "csl", [path])
    assert again.skipped
    assert count(ws, "select count(*) from raw_entities") == 115
    assert count(ws, "select count(*) from datasets") == 1


def test_a_newer_snapshot_replaces_current_entries_and_keeps_history(ws: Workspace, data: Path) -> None:
    path = data / "watchman_csl_sample_2019.csv"
    ingest(ws, "csl", [path], options={"date": dt.date(2019, 12, 1)})
    ingest(ws, "csl", [path], options={"date": dt.date(2020, 1, 1)}, force=True)
    assert count(ws, "select count(*) from entities where list_code = 'EL'") == 22
    assert count(ws, "select count(*) from stg_entity_snapshots where list_code = 'EL'") == 44
    [row] = ws.rows("select first_seen_on, last_seen_on, snapshots from entities where name = 'GBNTT'")
    assert row == {"first_seen_on": dt.date(2019, 12, 1), "last_seen_on": dt.date(2020, 1, 1), "snapshots": 2}


def test_an_older_snapshot_loaded_later_does_not_replace_the_newer(ws: Workspace, data: Path) -> None:
    ingest(ws, "csl", [data / "watchman_consolidated_sample_2025.csv"], options={"date": dt.date(2025, 6, 1)})
    ingest(ws, "csl", [data / "watchman_csl_sample_2019.csv"], options={"date": dt.date(2019, 12, 1)})
    assert count(ws, "select count(*) from entities where list_code = 'EL'") == 1


def test_unknown_list_is_kept_verbatim_and_reported(ws: Workspace, tmp_path: Path, data: Path) -> None:
    lines = (data / "watchman_consolidated_sample_2025.csv").read_text(encoding="utf-8").splitlines()
    changed = lines[1].replace(
        "Nonproliferation Sanctions (ISN) - State Department", "Brand New List (BNL) - Commerce"
    )
    path = tmp_path / "consolidated.csv"
    path.write_text("\n".join([lines[0], changed]) + "\n", encoding="utf-8")
    [result] = ingest(ws, "csl", [path])
    assert count(ws, "select count(*) from entities where list_code = 'Brand New List (BNL) - Commerce'") == 1
    assert any("unknown list source 'Brand New List (BNL) - Commerce'" in m for m in result.messages)


class TestBadInput:
    def test_missing_required_column_names_file_and_column(self, ws: Workspace, data: Path) -> None:
        with pytest.raises(
            SourceError, match=r"missing_name_column.csv line 1: missing required column 'name'"
        ):
            ingest(ws, "csl", [data / "csl" / "missing_name_column.csv"])
        assert count(ws, "select count(*) from datasets") == 0
        assert count(ws, "select count(*) from raw_entities") == 0

    def test_bad_date_keeps_the_row_with_an_empty_date(self, ws: Workspace, data: Path) -> None:
        [result] = ingest(ws, "csl", [data / "csl" / "bad_date.csv"])
        assert result.rows_loaded == 3
        assert result.warnings == 1
        assert result.messages == [
            "bad_date.csv line 3: column 'start_date' is 'n/a', expected a date (row kept, date left empty)"
        ]
        [row] = ws.rows("select listed_on from entities where name = 'Atlas Sanatgaran'")
        assert row["listed_on"] is None
        [issue] = ws.rows("select line, severity from load_issues")
        assert issue == {"line": 3, "severity": "warning"}

    def test_empty_file(self, ws: Workspace, data: Path) -> None:
        with pytest.raises(SourceError, match=r"empty.csv: the file is empty; expected a csl file"):
            ingest(ws, "csl", [data / "csl" / "empty.csv"])

    def test_not_utf8_is_refused_whole(self, ws: Workspace, data: Path) -> None:
        with pytest.raises(SourceError, match=r"not_utf8.csv: not valid UTF-8 at byte \d+"):
            ingest(ws, "csl", [data / "csl" / "not_utf8.csv"])
        assert count(ws, "select count(*) from raw_entities") == 0
        assert count(ws, "select count(*) from datasets") == 0

    def test_wrong_kind_of_file(self, ws: Workspace, data: Path) -> None:
        with pytest.raises(SourceError, match=r"missing required column 'source'; is this the Consolidated"):
            ingest(ws, "csl", [Path(__file__).parent.parent / "datasets" / "demo" / "watchlist.yaml"])

    def test_extra_column_is_reported_once(self, ws: Workspace, data: Path) -> None:
        [result] = ingest(ws, "csl", [data / "csl" / "extra_column.csv"])
        assert result.rows_loaded == 2
        assert result.messages == ["extra_column.csv line 1: unexpected column 'risk_score' (not loaded)"]

    def test_bom_is_accepted(self, ws: Workspace, data: Path) -> None:
        [result] = ingest(ws, "csl", [data / "csl" / "bom.csv"])
        assert (result.rows_loaded, result.format) == (2, "csv")

    def test_a_failing_file_leaves_earlier_files_loaded(self, ws: Workspace, data: Path) -> None:
        with pytest.raises(SourceError):
            ingest(ws, "csl", [data / "csl" / "bom.csv", data / "csl" / "not_utf8.csv"])
        assert count(ws, "select count(*) from datasets") == 1

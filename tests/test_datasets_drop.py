"""`analyzer datasets --drop ID`: a dataset and every row it loaded go, in one transaction; what
depends on which files are loaded (the current range file, the certificate matches, the stored
attribution) is brought up to date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.errors import ConfigError
from analyzer.ingest import drop_datasets, ingest
from analyzer.workspace import Workspace

DATA = Path(__file__).parent / "data"
runner = CliRunner()


def _counts(ws: Workspace) -> dict[str, int]:
    tables = (
        "datasets",
        "load_issues",
        "raw_dns_records",
        "raw_certificates",
        "raw_ssl_observations",
        "raw_ranges",
        "net_range_intervals",
        "raw_certificate_chains",
    )
    return {t: ws.rows(f"select count(*) as n from {t}")[0]["n"] for t in tables}


def test_drop_removes_the_rows_of_every_kind_and_refreshes_what_depends_on_them(ws: Workspace) -> None:
    [dns] = ingest(ws, "dns", [DATA / "dns" / "fdns_bad_lines.json.gz"])
    [scans] = ingest(ws, "ct", [DATA / "ct" / "rapid7_sonar_ssl_certs_sample_2013.json.bz2"])
    ingest(ws, "ranges", [DATA / "network" / "google-cloud-ip-ranges.json"])
    before = _counts(ws)
    result = drop_datasets(ws, [scans.dataset_id])
    after = _counts(ws)
    assert result.rows["raw_ssl_observations"] == 99 and result.rows["raw_certificates"] == 99
    assert after["raw_ssl_observations"] == after["raw_certificates"] == after["raw_certificate_chains"] == 0
    assert after["datasets"] == before["datasets"] - 1
    assert after["raw_dns_records"] == before["raw_dns_records"] > 0  # the other datasets untouched
    assert after["load_issues"] < before["load_issues"]
    assert ws.rows("select count(*) as n from load_issues where dataset_id = ?", [dns.dataset_id])[0]["n"] > 0
    assert result.summary().startswith(f"dropped dataset {scans.dataset_id} (ct, ")


def _range_dataset(ws: Workspace, address: str, on: dt.date) -> int | None:
    ws.con.execute(
        "create or replace temp table asked as select 1 as seq, ? as address, ?::date as as_of", [address, on]
    )
    return ws.rows("select range_dataset_id from net_attribute('asked')")[0]["range_dataset_id"]


def test_dropping_the_newest_range_file_makes_the_older_one_current(ws: Workspace, tmp_path: Path) -> None:
    old = DATA / "network" / "google-cloud-ip-ranges.json"
    [first] = ingest(ws, "ranges", [old], options={"date": dt.date(2025, 1, 1)})
    newer = tmp_path / "cloud.json"
    # the newer file moves 34.1.208.0/20 (its first prefix) to 134.1.208.0/20
    newer.write_text(old.read_text(encoding="utf-8").replace('"34.', '"134.', 1), encoding="utf-8")
    [second] = ingest(ws, "ranges", [newer], options={"date": dt.date(2025, 7, 1)})
    later = dt.date(2025, 8, 1)
    assert _range_dataset(ws, "134.1.208.1", later) == second.dataset_id
    assert _range_dataset(ws, "34.1.208.1", later) is None
    drop_datasets(ws, [second.dataset_id])
    assert _range_dataset(ws, "134.1.208.1", later) is None
    assert _range_dataset(ws, "34.1.208.1", later) == first.dataset_id
    assert ws.rows("select distinct dataset_id from net_range_intervals") == [
        {"dataset_id": first.dataset_id}
    ]


def test_the_stored_attribution_follows_a_drop(ws: Workspace) -> None:
    ingest(ws, "dns", [DATA / "dns" / "fdns_sample.json.gz"], attribute=True)
    [dataset] = ws.rows("select dataset_id from datasets")
    result = drop_datasets(ws, [dataset["dataset_id"]])
    assert result.attribution is not None  # recomputed: the store matches the loaded data again
    ws.rows("select * from attr_entity_services")  # no "out of date" error


def test_unknown_ids_are_one_clear_error_and_nothing_is_dropped(ws: Workspace) -> None:
    ingest(ws, "dns", [DATA / "dns" / "fdns_sample.json.gz"])
    with pytest.raises(ConfigError, match="no dataset 99 in"):
        drop_datasets(ws, [1, 99])
    assert ws.rows("select count(*) as n from datasets") == [{"n": 1}]


def test_cli_drop(tmp_path: Path) -> None:
    db = str(tmp_path / "db.duckdb")
    assert (
        runner.invoke(
            app, ["--db", db, "ingest", "dns", str(DATA / "dns" / "fdns_sample.json.gz"), "-q"]
        ).exit_code
        == 0
    )
    result = runner.invoke(app, ["--db", db, "datasets", "--drop", "1"])
    assert result.exit_code == 0 and "dropped dataset 1 (dns, " in result.stdout
    assert "no datasets loaded yet" in runner.invoke(app, ["--db", db, "datasets"]).stdout
    bad = runner.invoke(app, ["--db", db, "datasets", "--drop", "7"])
    assert bad.exit_code == 1 and "no dataset 7" in bad.stderr

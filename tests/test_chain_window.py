"""Chains across snapshots (issue 13 point 2): a CNAME, MX or NS target with no record in its own
DNS snapshot is followed in the nearest snapshot within the window (sql/23_dns_chain_window_days.sql),
named in the evidence and at most `medium`. The inputs are the golden case's files: a zone file of
2025-07-20 whose www and MX targets only an FDNS dump of 2025-07-22 resolves."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer import attribution
from analyzer.cli import app
from analyzer.errors import ConfigError
from analyzer.ingest import ingest
from analyzer.workspace import Workspace

CASE = (
    Path(__file__).parent / "golden" / "cname_and_mx_targets_resolved_in_a_neighbouring_snapshot_are_medium"
)
ZONE = CASE / "dns_2025-07-20.zone"
FDNS = CASE / "dns_2025-07-22.json"
D20, D22 = dt.date(2025, 7, 20), dt.date(2025, 7, 22)
ORDER = "order by entity_id, domain, service, provider_id, observed_on"


def _base(ws: Workspace) -> None:
    ingest(ws, "watchlist", [CASE / "watchlist.yaml"])
    ingest(ws, "ranges", [CASE / "ranges_aws.json"])
    ingest(ws, "dns", [ZONE], options={"date": D20})


def _answers(ws: Workspace) -> dict[tuple[str, str], tuple[str, str, str]]:
    """(domain, service) -> (provider_id, confidence, evidence) of the stored rows."""
    attribution.ensure(ws)
    rows = ws.rows("select domain, service, provider_id, confidence, evidence from attr_entity_services")
    return {(r["domain"], r["service"]): (r["provider_id"], r["confidence"], r["evidence"]) for r in rows}


def test_the_neighbouring_snapshot_resolves_the_targets_at_medium(tmp_path: Path) -> None:
    with Workspace(tmp_path / "w.duckdb") as ws:
        _base(ws)
        ingest(ws, "dns", [FDNS], options={"date": D22})
        got = _answers(ws)
        provider, confidence, evidence = got[("www.golden-chain.example", "cdn")]
        assert (provider, confidence) == ("amazon", "medium")
        steps = json.loads(evidence)
        crossing = [s for s in steps if "resolved in the snapshot of" in s["text"]]
        assert len(crossing) == 1 and crossing[0]["date"] == "2025-07-22"
        assert crossing[0]["dataset_id"] is not None  # the FDNS dump, not the zone file
        assert got[("golden-chain.example", "email")][:2] == ("amazon", "medium")
        chain = ws.rows(
            "select hops, status, resolved_on::varchar as resolved_on, crossed_at, own_hops "
            "from int_name_chains where name = 'www.golden-chain.example'"
        )
        assert chain == [
            {
                "hops": ["golden-chain.cdn-partner.example", "d3chainexample9.cloudfront.net"],
                "status": "ok",
                "resolved_on": "2025-07-22",
                "crossed_at": "golden-chain.cdn-partner.example",
                "own_hops": 1,
            }
        ]


def test_a_window_of_0_switches_it_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANALYZER_CHAIN_WINDOW_DAYS", "0")
    with Workspace(tmp_path / "w.duckdb") as ws:
        _base(ws)
        ingest(ws, "dns", [FDNS], options={"date": D22})
        got = _answers(ws)
        assert ("www.golden-chain.example", "cdn") not in got
        assert got[("golden-chain.example", "email")][:2] == ("unattributed:golden-chain-mail.example", "low")
        assert ws.rows("select status from int_name_chains where name = 'www.golden-chain.example'") == [
            {"status": "dangling"}
        ]


def test_records_of_the_own_snapshot_win_over_a_neighbours(tmp_path: Path) -> None:
    own = tmp_path / "own.csv"  # the MX target does resolve on the zone's own date
    own.write_text("name,type,value\nmx.golden-chain-mail.example,A,205.251.249.18\n", encoding="utf-8")
    with Workspace(tmp_path / "w.duckdb") as ws:
        _base(ws)
        ingest(ws, "dns", [own], options={"date": D20})
        ingest(ws, "dns", [FDNS], options={"date": D22})
        provider, confidence, evidence = _answers(ws)[("golden-chain.example", "email")]
        assert (provider, confidence) == ("amazon", "high")
        assert "205.251.249.18" in evidence and "43.206.12.34" not in evidence
        assert "resolved in the snapshot of" not in evidence


def test_a_new_snapshot_recomputes_the_neighbours_within_the_window(tmp_path: Path) -> None:
    with Workspace(tmp_path / "w.duckdb") as ws:
        _base(ws)
        assert ("www.golden-chain.example", "cdn") not in _answers(ws)
        run = ingest(ws, "dns", [FDNS], options={"date": D22}, attribute=True)
        assert run.attribution is not None and run.attribution.snapshots is not None  # incremental
        assert run.attribution.snapshots == (D20, D22)
        assert _answers(ws)[("www.golden-chain.example", "cdn")][:2] == ("amazon", "medium")
        assert ws.rows(f"select * from attr_entity_services {ORDER}") == ws.rows(
            f"select * from int_entity_services {ORDER}"
        )


def test_the_window_is_part_of_the_fingerprint_and_remembered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "w.duckdb"
    with Workspace(path) as ws:
        _base(ws)
        ingest(ws, "dns", [FDNS], options={"date": D22})
        assert ws.chain_window_days == 7  # the default
        attribution.ensure(ws)
        ws.set_chain_window_days(1)
        assert not attribution.is_fresh(ws)  # another window, another answer
        assert ("www.golden-chain.example", "cdn") not in _answers(ws)  # 2 days away: beyond 1
    with Workspace(path) as ws:
        assert ws.chain_window_days == 1 and attribution.is_fresh(ws)
    monkeypatch.setenv("ANALYZER_CHAIN_WINDOW_DAYS", "3")  # the environment wins over the last value
    with Workspace(path) as ws:
        assert ws.chain_window_days == 3 and not attribution.is_fresh(ws)
    monkeypatch.setenv("ANALYZER_CHAIN_WINDOW_DAYS", "a week")
    with pytest.raises(ConfigError, match="ANALYZER_CHAIN_WINDOW_DAYS is 'a week'"):
        Workspace(path)
    monkeypatch.delenv("ANALYZER_CHAIN_WINDOW_DAYS")
    with Workspace(tmp_path / "other.duckdb") as ws, pytest.raises(ConfigError, match="-1"):
        ws.set_chain_window_days(-1)


def test_attribute_takes_the_window_as_an_option(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with Workspace(path) as ws:
        _base(ws)
        ingest(ws, "dns", [FDNS], options={"date": D22})
    runner = CliRunner()
    result = runner.invoke(app, ["--db", str(path), "attribute", "--chain-window-days", "0"])
    assert result.exit_code == 0, result.output
    with Workspace(path) as ws:
        assert ws.chain_window_days == 0 and attribution.is_fresh(ws)
        assert ("www.golden-chain.example", "cdn") not in _answers(ws)
    result = runner.invoke(app, ["--db", str(path), "attribute", "--chain-window-days", "-2"])
    assert result.exit_code != 0

"""Since when, after the listing, and what changed (issue 13): the Done-when scenario of three yearly
FDNS snapshots, two routing tables a year apart whose prefix changes origin, and a company listed
between the first two snapshots; attr_entity_timeline, attr_changes / `analyzer diff`,
entities_after_listing and the incremental attribution of one more snapshot.
Each observation is judged with the routing table of its own date (issue 13 point 1)."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

import analyzer
from analyzer import attribution, contracts
from analyzer.cli import app
from analyzer.errors import ConfigError
from analyzer.ingest import ingest
from analyzer.report import Filters, build_report, render
from analyzer.report.changes import diff
from analyzer.workspace import Workspace

D = dt.date
SNAPSHOTS = (D(2022, 6, 1), D(2023, 6, 1), D(2024, 6, 1))
LISTED = D(2022, 12, 1)
DOMAIN = "examplevision.example"
ADDRESS = "198.51.100.10"  # in 198.51.100.0/24: AS16509 (Amazon) in 2022, AS45102 (Alibaba) in 2023
GOOGLE_MX = "10 aspmx.l.google.com"
MICROSOFT_MX = "0 examplevision-example.mail.protection.outlook.com"

# NETWORK: flip to passing when each observation uses the routing table of its own date (issue 13
# point 1, helper wa-network); strict, so the merge that makes them pass must remove the mark.


def _fdns(path: Path, on: dt.date, records: list[tuple[str, str, str]]) -> Path:
    """A Rapid7 FDNS file (gzipped JSON lines), named and timestamped as Rapid7 publishes them."""
    ts = int(dt.datetime(on.year, on.month, on.day, tzinfo=dt.UTC).timestamp())
    lines = [
        json.dumps({"timestamp": str(ts + i), "name": n, "type": t, "value": v}, separators=(",", ":"))
        for i, (n, t, v) in enumerate(records)
    ]
    out = path / f"{on.isoformat()}-{ts}-fdns_any.json.gz"
    out.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    return out


def _snapshot_records(on: dt.date) -> list[tuple[str, str, str]]:
    mx = MICROSOFT_MX if on == SNAPSHOTS[2] else GOOGLE_MX
    return [
        (DOMAIN, "a", ADDRESS),
        (f"www.{DOMAIN}", "a", ADDRESS),
        (DOMAIN, "mx", mx),
        (DOMAIN, "ns", "ns-1021.awsdns-63.net"),
        (DOMAIN, "ns", "ns-1.awsdns-00.org"),
        ("unrelated.example", "a", ADDRESS),
    ]


def _pfx2as(path: Path, on: dt.date, origin: int) -> Path:
    """A RouteViews prefix2as table (CAIDA's file name carries its date)."""
    out = path / f"routeviews-rv2-{on:%Y%m%d}-1200.pfx2as"
    out.write_text(f"198.51.100.0\t24\t{origin}\n8.8.8.0\t24\t15169\n52.95.0.0\t16\t16509\n")
    return out


def _watchlist(path: Path) -> Path:
    out = path / "watch.yaml"
    out.write_text(
        "list: WATCH\nname: Timeline scenario\nentities:\n"
        "  - name: Example Vision Co.\n    country: CN\n"
        f"    listed_on: {LISTED.isoformat()}\n    domains: [{DOMAIN}]\n"
    )
    return out


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("timeline")
    return {
        "watchlist": _watchlist(d),
        "routes": [_pfx2as(d, SNAPSHOTS[0], 16509), _pfx2as(d, SNAPSHOTS[1], 45102)],
        "dns": [_fdns(d, on, _snapshot_records(on)) for on in SNAPSHOTS],
        "dir": d,
    }


def _load(ws: Workspace, files: dict[str, Any], snapshots: int = 3) -> None:
    ingest(ws, "watchlist", [files["watchlist"]])
    ingest(ws, "pfx2as", files["routes"])
    ingest(ws, "dns", files["dns"][:snapshots])


@pytest.fixture(scope="module")
def scenario(files: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("scenario") / "scenario.duckdb"
    with Workspace(db) as ws:
        _load(ws, files)
        attribution.refresh(ws)
    return db


@pytest.fixture
def ws(scenario: Path, tmp_path: Path) -> Any:
    copy = tmp_path / "copy.duckdb"
    shutil.copy(scenario, copy)
    with Workspace(copy) as workspace:
        yield workspace


def _timeline(ws: Workspace) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["service"], r["provider_id"]): r for r in ws.rows("select * from attr_entity_timeline")}


def _changes(ws: Workspace, start: dt.date, end: dt.date) -> set[tuple[str, str, str]]:
    return {(r["service"], r["provider_id"], r["change"]) for r in diff(ws, start, end).rows}


# -- attr_entity_timeline ------------------------------------------------------------------------------
def test_timeline_gives_first_and_last_seen_and_the_listing_per_provider(ws: Workspace) -> None:
    rows = _timeline(ws)
    google, microsoft, route53 = (
        rows["email", "google"],
        rows["email", "microsoft"],
        rows["dns_hosting", "amazon"],
    )
    assert google["listed_on"] == LISTED and google["entity_name"] == "Example Vision Co."
    assert (google["first_seen"], google["last_seen"]) == (SNAPSHOTS[0], SNAPSHOTS[1])
    assert (google["snapshots_seen"], google["snapshots_total"]) == (2, 3)
    assert google["seen_after_listing"] is True and google["days_after_listing"] == 182
    assert google["ongoing"] is False  # the 2024 snapshot shows Microsoft's MX instead
    assert (microsoft["first_seen"], microsoft["last_seen"], microsoft["snapshots_seen"]) == (
        SNAPSHOTS[2],
    ) * 2 + (1,)
    assert microsoft["ongoing"] is True and microsoft["seen_after_listing"] is True
    assert (route53["first_seen"], route53["last_seen"], route53["snapshots_seen"]) == (*SNAPSHOTS[::2], 3)
    assert route53["ongoing"] is True and route53["relationship"] == "customer"
    alibaba = rows["web_hosting", "alibaba"]
    assert (alibaba["last_seen"], alibaba["ongoing"], alibaba["seen_after_listing"]) == (
        SNAPSHOTS[2],
        True,
        True,
    )


def test_timeline_web_host_follows_the_routing_table_of_each_date(ws: Workspace) -> None:
    rows = _timeline(ws)
    amazon, alibaba = rows["web_hosting", "amazon"], rows["web_hosting", "alibaba"]
    assert (amazon["first_seen"], amazon["last_seen"], amazon["snapshots_seen"]) == (SNAPSHOTS[0],) * 2 + (1,)
    assert amazon["seen_after_listing"] is False and amazon["days_after_listing"] == -183
    assert amazon["ongoing"] is False
    assert (alibaba["first_seen"], alibaba["snapshots_seen"], alibaba["snapshots_total"]) == (
        SNAPSHOTS[1],
        2,
        3,
    )


def test_each_observation_is_attributed_with_the_table_of_its_own_date(ws: Workspace) -> None:
    tables = {
        r["snapshot_date"]: r["dataset_id"]
        for r in ws.rows("select dataset_id, snapshot_date from datasets where kind = 'pfx2as'")
    }
    rows = ws.rows(
        "select observed_on, provider_id, evidence from attr_entity_services "
        "where service = 'web_hosting' and domain = ? order by observed_on",
        [DOMAIN],
    )
    assert [(r["observed_on"], r["provider_id"]) for r in rows] == [
        (SNAPSHOTS[0], "amazon"),
        (SNAPSHOTS[1], "alibaba"),
        (SNAPSHOTS[2], "alibaba"),
    ]
    routes = [next(s for s in json.loads(r["evidence"]) if s["kind"] == "route") for r in rows]
    assert [s["dataset_id"] for s in routes] == [
        tables[SNAPSHOTS[0]],
        tables[SNAPSHOTS[1]],
        tables[SNAPSHOTS[1]],
    ]


def test_a_snapshot_without_a_services_record_types_neither_ends_nor_extends_its_run(
    ws: Workspace, files: dict[str, Any]
) -> None:
    # a zone file of a later day: the delegation's NS records only, no A and no MX
    zone = files["dir"] / "examplevision.example.zone"
    zone.write_text(
        f"$ORIGIN {DOMAIN}.\n$TTL 3600\n"
        "@ IN SOA ns-1.awsdns-00.org. hostmaster.examplevision.example. 2024090101 7200 900 1209600 86400\n"
        "@ IN NS ns-1.awsdns-00.org.\n"
    )
    ingest(ws, "dns", [zone], options={"date": D(2024, 9, 1)}, attribute=True)
    rows = _timeline(ws)
    assert rows["dns_hosting", "amazon"]["snapshots_total"] == 4
    assert rows["dns_hosting", "amazon"]["last_seen"] == D(2024, 9, 1)
    assert (
        rows["email", "microsoft"]["snapshots_total"] == 3 and rows["email", "microsoft"]["ongoing"] is True
    )
    assert rows["web_hosting", "alibaba"]["ongoing"] is True


# -- attr_changes and `analyzer diff` --------------------------------------------------------------------
def test_diff_lists_added_and_removed_providers_only(ws: Workspace) -> None:
    changes = _changes(ws, SNAPSHOTS[0], SNAPSHOTS[2])
    assert {c for c in changes if c[0] != "web_hosting"} == {
        ("email", "google", "removed"),
        ("email", "microsoft", "added"),
    }
    assert _changes(ws, SNAPSHOTS[0], SNAPSHOTS[1]) <= {
        ("web_hosting", "amazon", "removed"),
        ("web_hosting", "alibaba", "added"),
    }  # the MX and NS records did not change between 2022 and 2023
    assert _changes(ws, SNAPSHOTS[2], SNAPSHOTS[0]) >= {("email", "google", "added")}


def test_diff_shows_the_web_host_moving_with_the_routing_table(ws: Workspace) -> None:
    assert _changes(ws, SNAPSHOTS[0], SNAPSHOTS[1]) == {
        ("web_hosting", "amazon", "removed"),
        ("web_hosting", "alibaba", "added"),
    }


def test_diff_resolves_each_date_to_the_nearest_snapshot_and_says_so(ws: Workspace) -> None:
    changes = diff(ws, D(2022, 7, 15), D(2024, 1, 1))
    assert (changes.from_snapshot, changes.to_snapshot) == (SNAPSHOTS[0], SNAPSHOTS[2])
    assert changes.notes()[0] == (
        "comparing snapshot 2022-06-01 (nearest to 2022-07-15) → snapshot 2024-06-01 (nearest to 2024-01-01)"
    )
    assert all(r["from_snapshot"] == SNAPSHOTS[0] and r["to_snapshot"] == SNAPSHOTS[2] for r in changes.rows)
    assert all(r["both_observed"] for r in changes.rows)
    same = diff(ws, D(2023, 5, 1), D(2023, 7, 1))
    assert same.rows == [] and "same snapshot" in same.notes()[1]


def test_diff_refuses_a_date_before_the_first_snapshot(ws: Workspace) -> None:
    with pytest.raises(
        ConfigError, match=r"--from 2021-01-01 is before the first DNS snapshot \(2022-06-01\)"
    ):
        diff(ws, D(2021, 1, 1), SNAPSHOTS[2])
    with pytest.raises(Exception, match="is before the first DNS snapshot"):
        ws.rows("select * from attr_changes(DATE '2022-06-01', DATE '2020-01-01')")


def test_diff_cli_formats_and_entity_filter(scenario: Path) -> None:
    runner = CliRunner()
    base = ["--db", str(scenario), "diff", "--from", "2022-06-01", "--to", "2024-06-01"]
    result = runner.invoke(app, [*base, "--format", "json", "--entity", "example vision"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {(r["service"], r["provider_id"], r["change"]) for r in rows} >= {("email", "microsoft", "added")}
    assert set(rows[0]) >= {"entity_id", "entity_name", "provider_name", "provider_parent", "from_snapshot"}
    assert "comparing snapshot 2022-06-01 → snapshot 2024-06-01" in result.stderr
    result = runner.invoke(app, [*base, "--format", "csv"])
    assert result.stdout.splitlines()[0].startswith(
        "entity_id,entity_name,service,provider_id,provider_name,provider_parent,change"
    )
    result = runner.invoke(app, [*base, "--entity", "nobody at all"])
    assert result.exit_code == 1 and "matches no listed entity" in result.stderr
    result = runner.invoke(app, ["--db", str(scenario), "diff", "--from", "2019-01-01", "--to", "2024-06-01"])
    assert result.exit_code == 1 and "before the first DNS snapshot (2022-06-01)" in result.stderr


# -- the provider summary and the report ----------------------------------------------------------------
def test_entities_after_listing_counts_observations_on_or_after_the_listing(ws: Workspace) -> None:
    latest = {(r["provider_parent"], r["service"]): r for r in ws.rows("select * from attr_provider_summary")}
    assert latest["Microsoft", "email"]["entities_after_listing"] == 1
    first = build_report(ws, Filters(as_of=SNAPSHOTS[0]))
    google = next(r for r in first.summary if r["service"] == "email")
    assert (google["entities"], google["entities_after_listing"]) == (1, 0)  # served, but before the listing


def test_report_as_of_carries_the_timeline_up_to_that_date(ws: Workspace) -> None:
    report = build_report(ws, Filters(as_of=SNAPSHOTS[1]))
    google = next(r for r in report.timeline if (r["service"], r["provider_id"]) == ("email", "google"))
    assert google["ongoing"] is True and google["snapshots_total"] == 2
    assert not any(r["provider_id"] == "microsoft" for r in report.timeline)
    doc = json.loads(render(report, "json"))
    assert {(r["service"], r["provider_id"]) for r in doc["timeline"]} == {
        (r["service"], r["provider_id"]) for r in report.timeline
    }
    assert "## Timeline" in render(report, "md")


def test_notebook_api_and_contracts(scenario: Path) -> None:
    with analyzer.open(scenario) as ws:
        assert contracts.check(ws) == []
        timeline = ws.entity_timeline(service="email", as_of="2023-12-31")
        assert timeline.select("provider_id", "ongoing").rows() == [("google", True)]
        changes = ws.changes("2022-06-01", "2024-06-01", entity="Example Vision Co.")
        assert {("email", "microsoft", "added"), ("email", "google", "removed")} <= set(
            changes.select("service", "provider_id", "change").rows()
        )
        assert ws.changes("2023-06-01", "2023-06-02").columns[:7] == [
            "entity_id",
            "entity_name",
            "service",
            "provider_id",
            "provider_name",
            "provider_parent",
            "change",
        ]


# -- incremental attribution --------------------------------------------------------------------------
ORDER = "order by entity_id, domain, service, provider_id, observed_on"


def test_a_new_snapshot_recomputes_only_its_own_date(files: dict[str, Any], tmp_path: Path) -> None:
    with Workspace(tmp_path / "inc.duckdb") as ws:
        _load(ws, files, snapshots=2)
        first = attribution.ensure(ws)
        assert first is not None and first.snapshots is None  # the first computation covers everything
        before = ws.rows(f"select * from attr_entity_services where observed_on < ? {ORDER}", [SNAPSHOTS[2]])
        run = ingest(ws, "dns", [files["dns"][2]], attribute=True)
        assert run.attribution is not None and run.attribution.snapshots == (SNAPSHOTS[2],)
        assert "recomputed the 1 DNS snapshot(s) that changed (2024-06-01)" in run.attribution.summary()
        assert (
            ws.rows(f"select * from attr_entity_services where observed_on < ? {ORDER}", [SNAPSHOTS[2]])
            == before
        )
        incremental = ws.rows(f"select * from attr_entity_services {ORDER}")
        snapshots = ws.rows("select * from attr_entity_snapshots_store order by all")
        timeline = ws.rows("select * from attr_entity_timeline")
        assert incremental == ws.rows(f"select * from int_entity_services {ORDER}")
        attribution.refresh(ws)  # everything again: the same answer
        assert ws.rows(f"select * from attr_entity_services {ORDER}") == incremental
        assert ws.rows("select * from attr_entity_snapshots_store order by all") == snapshots
        assert ws.rows("select * from attr_entity_timeline") == timeline


def test_anything_but_a_dns_dataset_recomputes_every_snapshot(files: dict[str, Any], tmp_path: Path) -> None:
    with Workspace(tmp_path / "full.duckdb") as ws:
        _load(ws, files)
        attribution.ensure(ws)
        more = files["dir"] / "routeviews-rv2-20240601-1200.pfx2as"
        more.write_text("198.51.100.0\t24\t16509\n")
        run = ingest(ws, "pfx2as", [more], attribute=True)
        assert run.attribution is not None and run.attribution.snapshots is None


def test_a_dropped_dns_dataset_recomputes_its_dates(files: dict[str, Any], tmp_path: Path) -> None:
    with Workspace(tmp_path / "drop.duckdb") as ws:
        _load(ws, files)
        attribution.ensure(ws)
        (dataset_id,) = ws.con.execute(
            "select dataset_id from datasets where kind = 'dns' and snapshot_date = ?", [SNAPSHOTS[2]]
        ).fetchone()
        ws.con.execute("update datasets set status = 'dropped' where dataset_id = ?", [dataset_id])
        result = attribution.ensure(ws)
        assert result is not None and result.snapshots == (SNAPSHOTS[2],)
        assert ws.rows(
            "select count(*) as n from attr_entity_services where observed_on = ?", [SNAPSHOTS[2]]
        ) == [{"n": 0}]
        assert ws.rows(f"select * from attr_entity_services {ORDER}") == ws.rows(
            f"select * from int_entity_services {ORDER}"
        )


def test_a_run_failing_midway_keeps_the_store_and_leaves_no_scratch_table(
    files: dict[str, Any], tmp_path: Path
) -> None:
    with Workspace(tmp_path / "fail.duckdb") as ws:
        _load(ws, files)
        before = attribution.refresh(ws)
        ws.con.execute(
            "create or replace view int_entity_services as select s.* from attr_entity_services_store as s, "
            "(select error('boom') as e) where e is null"
        )
        with pytest.raises(duckdb.Error, match="boom"):
            attribution.refresh(ws)
        assert ws.rows("select count(*) as n from attr_entity_services_store") == [{"n": before.rows}]
        assert ws.rows("select table_name from duckdb_tables() where temporary") == []


def test_a_cross_snapshot_window_recomputes_the_neighbours_too(
    files: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # chains followed into snapshots up to 400 days away: the yearly snapshot before the new one
    # is recomputed with it (and read, with its own neighbours, to do so)
    monkeypatch.setenv("ANALYZER_CHAIN_WINDOW_DAYS", "400")
    with Workspace(tmp_path / "window.duckdb") as ws:
        assert attribution.cross_snapshot_days(ws) == 400
        _load(ws, files, snapshots=2)
        attribution.ensure(ws)
        run = ingest(ws, "dns", [files["dns"][2]], attribute=True)
        assert run.attribution is not None and run.attribution.snapshots == SNAPSHOTS[1:]
        assert ws.rows(f"select * from attr_entity_services {ORDER}") == ws.rows(
            f"select * from int_entity_services {ORDER}"
        )

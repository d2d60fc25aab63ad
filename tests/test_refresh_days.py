"""`analyzer refresh openintel-tranco --from D --to D [--every N]`: a range of daily snapshots from the
local HTTPS server, each day its own snapshot dated by its rows' timestamps; days already loaded
are skipped without a request, a missing day is reported, a truncated day is held back."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from refresh_server import LocalServer, Route, make_certificates
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.errors import ConfigError
from analyzer.refresh import Cache, Fetcher, HttpPolicy, RefreshOptions, load_sources, refresh
from analyzer.refresh.days import DateRange, short_day
from analyzer.workspace import Workspace

DNS = Path(__file__).parent / "data" / "dns"
PREFIX = "fdns/basis=toplist/source=tranco/year={y}/month={m:02d}/day={d:02d}/"
S3 = "http://s3.amazonaws.com/doc/2006-03-01/"
runner = CliRunner()


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return make_certificates(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def server(certs: tuple[Path, Path, Path]) -> Iterator[LocalServer]:
    with LocalServer(certs[1], certs[2]) as srv:
        yield srv


@pytest.fixture
def fetcher(certs: tuple[Path, Path, Path]) -> Iterator[Fetcher]:
    f = Fetcher(HttpPolicy(ca_bundle=str(certs[0]), retries=0), sleep=lambda _s: None)
    yield f
    f.close()


def _day_parquet(day: dt.date, rows: int) -> bytes:
    """`rows` A records in the OpenINTEL schema (that of tests/data/dns), timestamped on `day`."""
    schema = pq.read_schema(DNS / "openintel_sample.gz.parquet")
    ts = int(dt.datetime(day.year, day.month, day.day, 6, tzinfo=dt.UTC).timestamp() * 1000)
    columns = {name: [None] * rows for name in schema.names}
    columns.update(
        query_type=["A"] * rows,
        query_name=[f"h{i}.example.org." for i in range(rows)],
        response_type=["A"] * rows,
        response_name=[f"h{i}.example.org." for i in range(rows)],
        timestamp=[ts + i for i in range(rows)],
        status_code=[0] * rows,
        ip4_address=[f"192.0.2.{i % 250}" for i in range(rows)],
    )
    sink = io.BytesIO()
    pq.write_table(pa.table(columns, schema=schema), sink)
    return sink.getvalue()


def _listing(keys: list[str], prefix: str) -> bytes:
    contents = "".join(f"<Contents><Key>{k}</Key></Contents>" for k in keys)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="{S3}"><Name>openintel-public</Name>'
        f"<Prefix>{prefix}</Prefix><IsTruncated>false</IsTruncated>{contents}</ListBucketResult>"
    ).encode()


def publish(server: LocalServer, day: dt.date, rows: int | None) -> None:
    """The bucket listing of a day and its one Parquet part; rows None: the day was not published."""
    prefix = PREFIX.format(y=day.year, m=day.month, d=day.day)
    keys = [] if rows is None else [f"{prefix}part-00000.gz.parquet"]
    server.add(
        f"/openintel-public?list-type=2&prefix={prefix}", Route(_listing(keys, prefix), "application/xml")
    )
    if rows is not None:
        server.routes[f"/openintel-public/{keys[0]}"] = Route(_day_parquet(day, rows))


def openintel_source(tmp_path: Path, server: LocalServer):
    real = load_sources()["openintel-tranco"]
    entry = {
        "id": "openintel-tranco",
        "publisher": "test",
        "licence": "test",
        "frequency": 1,
        "resolve": "openintel",
        "index": real.index.replace("https://object.openintel.nl", server.url("")),
        "url": real.url.replace("https://object.openintel.nl", server.url("")),
        "format": "parquet",
        "kind": "dns",
        "options": real.options,
    }
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": [entry]}), encoding="utf-8")
    return load_sources(path)["openintel-tranco"], path


DAYS = {1: 40, 2: 42, 3: 41, 4: 3, 5: None, 6: 40}  # day 4 truncated, day 5 never published


def test_a_range_loads_each_day_skips_loaded_days_and_guards_truncated_and_missing_ones(
    server: LocalServer, fetcher: Fetcher, ws: Workspace, tmp_path: Path
) -> None:
    for d, rows in DAYS.items():
        publish(server, dt.date(2024, 1, d), rows)
    src, _ = openintel_source(tmp_path, server)
    cache = Cache(tmp_path / "data")
    days = DateRange(dt.date(2024, 1, 1), dt.date(2024, 1, 6))
    report = refresh(ws, [src], cache, fetcher, RefreshOptions(days=days))
    assert [o.status for o in report.outcomes] == [
        "ingested",
        "ingested",
        "ingested",
        "held_back",
        "missing",
        "ingested",
    ]
    held, missing = report.outcomes[3], report.outcomes[4]
    assert "2024-01-04: 3 rows against a median of 40 on the neighbouring days" in held.message
    assert "held back as truncated, re-run with --force" in held.message
    assert missing.message.startswith("2024-01-05: nothing published upstream")
    assert report.exit_code == 2  # partial: a day held back and one missing
    loaded = ws.rows("select snapshot_date, date_source, label, rows_loaded from datasets order by 1")
    assert [(str(r["snapshot_date"]), r["date_source"], r["rows_loaded"]) for r in loaded] == [
        ("2024-01-01", "records", 40),
        ("2024-01-02", "records", 42),
        ("2024-01-03", "records", 41),
        ("2024-01-06", "records", 40),
    ]
    assert {r["label"] for r in loaded} == {"openintel-tranco"}

    # again: the loaded days make no request at all; the held and missing days are said again
    before = len(server.seen)
    again = refresh(ws, [src], cache, fetcher, RefreshOptions(days=days))
    assert [o.status for o in again.outcomes] == [
        "unchanged",
        "unchanged",
        "unchanged",
        "held_back",
        "missing",
        "unchanged",
    ]
    assert "already loaded (dataset 1); skipped" in again.outcomes[0].message
    assert all("day=04" in s.path or "day=05" in s.path for s in server.seen[before:])

    forced = refresh(ws, [src], cache, fetcher, RefreshOptions(days=days, force=True))
    assert forced.outcomes[3].status == "ingested"
    assert ws.rows("select count(*) as n from datasets where snapshot_date = '2024-01-04'") == [{"n": 1}]


def test_every_nth_day_and_the_cli(server: LocalServer, certs, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(certs[0]))
    for d in (1, 3):
        publish(server, dt.date(2024, 1, d), 10)
    _, registry = openintel_source(tmp_path, server)
    db = tmp_path / "db.duckdb"
    args = ["--db", str(db), "refresh", "openintel-tranco", "--sources", str(registry)]
    args += [
        "--data-dir",
        str(tmp_path / "data"),
        "--from",
        "2024-01-01",
        "--to",
        "2024-01-04",
        "--every",
        "2",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout.count("openintel-tranco: ingested") == 2
    with Workspace(db) as ws:
        assert [
            str(r["snapshot_date"]) for r in ws.rows("select snapshot_date from datasets order by 1")
        ] == [
            "2024-01-01",
            "2024-01-03",
        ]
    bad = runner.invoke(
        app, ["--db", str(db), "refresh", "csl", "--from", "2024-01-01", "--to", "2024-01-02"]
    )
    assert bad.exit_code == 1 and "csl publish one current file, not dated snapshots" in bad.stderr


def test_range_rules() -> None:
    assert DateRange(dt.date(2024, 1, 1), dt.date(2024, 1, 7), every=3).days() == [
        dt.date(2024, 1, 1),
        dt.date(2024, 1, 4),
        dt.date(2024, 1, 7),
    ]
    with pytest.raises(ConfigError, match="before --from"):
        DateRange(dt.date(2024, 1, 2), dt.date(2024, 1, 1))
    truncated = dt.date(2026, 2, 28)
    known = {truncated + dt.timedelta(days=n): 5_505_252 for n in (-2, -1, 1, 2)}
    assert short_day(231_784, truncated, known) is not None  # Tranco's truncated day
    assert short_day(5_400_000, truncated, known) is None
    assert short_day(10, truncated, {}) is None  # no neighbour: nothing to compare with

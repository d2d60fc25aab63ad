"""Resolvers: listings and download pages read from the local server pick the right file for a date."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from refresh_server import LocalServer, Route, make_certificates

from analyzer.ingest import ingest
from analyzer.refresh import Cache, Fetcher, HttpPolicy, RefreshOptions, load_sources, refresh
from analyzer.refresh.http import DownloadError
from analyzer.refresh.resolve import resolve
from analyzer.resources import datasets_dir

DATA = Path(__file__).parent / "data" / "refresh"


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return make_certificates(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def server(certs: tuple[Path, Path, Path]) -> Iterator[LocalServer]:
    with LocalServer(certs[1], certs[2]) as srv:
        yield srv


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def fetcher(certs: tuple[Path, Path, Path], waits: list[float]) -> Iterator[Fetcher]:
    f = Fetcher(HttpPolicy(ca_bundle=str(certs[0]), retries=0), sleep=waits.append)
    yield f
    f.close()


def source(tmp_path: Path, **entry: Any):
    defaults = {"id": "x", "publisher": "test", "licence": "test", "frequency": 1}
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": [{**defaults, **entry}]}), encoding="utf-8")
    return next(iter(load_sources(path).values()))


def pfx2as_source(tmp_path: Path, server: LocalServer):
    return source(
        tmp_path,
        id="pfx2as-v4",
        resolve="caida_pfx2as",
        index=server.url("/routeviews-prefix2as/pfx2as-creation.log"),
        url=server.url("/routeviews-prefix2as/{date:%Y/%m}/routeviews-rv2-{date:%Y%m%d}-1200.pfx2as.gz"),
        format="pfx2as.gz",
        kind="pfx2as",
        rows=[3, 1000],
    )


@pytest.mark.parametrize(
    ("asked", "picked", "snapshot"),
    [
        ("2024-01-02", "2024/01/routeviews-rv2-20240102-1200.pfx2as.gz", "2024-01-02"),
        ("2024-01-03", "2024/01/routeviews-rv2-20240102-1200.pfx2as.gz", "2024-01-02"),  # 1 day vs 2
        ("2024-01-04", "2024/01/routeviews-rv2-20240105-0200.pfx2as.gz", "2024-01-05"),  # odd hour kept
        ("2030-06-01", "2024/01/routeviews-rv2-20240105-0200.pfx2as.gz", "2024-01-05"),
    ],
)
def test_pfx2as_nearest_file_from_the_creation_log(server, fetcher, tmp_path, asked, picked, snapshot):
    server.routes["/routeviews-prefix2as/pfx2as-creation.log"] = Route(
        (DATA / "pfx2as-creation.log").read_bytes(), "text/plain"
    )
    [item] = resolve(pfx2as_source(tmp_path, server), dt.date.fromisoformat(asked), fetcher)
    assert item.url == server.url(f"/routeviews-prefix2as/{picked}")
    assert item.snapshot == dt.date.fromisoformat(snapshot)


@pytest.mark.usefixtures("only_watchlist_kinds")
def test_pfx2as_refresh_downloads_the_nearest_file_and_dates_it(server, fetcher, ws, tmp_path):
    server.routes["/routeviews-prefix2as/pfx2as-creation.log"] = Route(
        (DATA / "pfx2as-creation.log").read_bytes(), "text/plain"
    )
    server.routes["/routeviews-prefix2as/2024/01/routeviews-rv2-20240105-0200.pfx2as.gz"] = Route(
        (DATA / "routeviews-rv2-sample.pfx2as.gz").read_bytes(), "application/x-gzip"
    )
    cache = Cache(tmp_path / "data")
    report = refresh(
        ws, [pfx2as_source(tmp_path, server)], cache, fetcher, RefreshOptions(date=dt.date(2024, 1, 4))
    )
    [o] = report.outcomes
    assert o.status == "cached_only" and "ingest of pfx2as is not available in this build" in o.message
    assert o.snapshot_date == dt.date(2024, 1, 5)
    entry = cache.latest("pfx2as-v4")
    assert entry.rows == 5 and entry.extra["snapshot"] == "2024-01-05"


def test_azure_link_is_found_on_the_download_page(server, fetcher, tmp_path):
    server.routes["/en-us/download/details.aspx?id=56519"] = Route(
        (DATA / "azure-download-page.html").read_bytes(), "text/html"
    )
    azure = source(
        tmp_path,
        id="azure",
        resolve="azure_page",
        index=server.url("/en-us/download/details.aspx?id=56519"),
        url="https://download.microsoft.com/download/ServiceTags_Public_{date:%Y%m%d}.json",
        format="json",
        kind="ranges",
    )
    [item] = resolve(azure, dt.date(2024, 11, 20), fetcher)
    assert item.url == (
        "https://download.microsoft.com/download/7/1/d/71d86715-5596-4529-9b13-da13a5de5b63/"
        "ServiceTags_Public_20241118.json"
    )
    assert item.snapshot == dt.date(2024, 11, 18)


def test_azure_page_without_a_link_says_to_use_url(server, fetcher, tmp_path):
    server.routes["/details"] = Route(b"<html>redesigned</html>", "text/html")
    azure = source(
        tmp_path, resolve="azure_page", index=server.url("/details"), url="https://x/{date:%Y}", format="json"
    )
    with pytest.raises(DownloadError, match="give the file's URL with --url"):
        resolve(azure, dt.date(2024, 11, 20), fetcher)


def test_url_option_replaces_the_resolver(server, fetcher, ws, tmp_path):
    real = load_sources()["azure"]
    server.routes["/ServiceTags_Public_20241118.json"] = Route(
        b'{"changeNumber": 1, "cloud": "Public", "values": []}', "application/json"
    )
    report = refresh(
        ws,
        [real],
        Cache(tmp_path),
        fetcher,
        RefreshOptions(url=server.url("/ServiceTags_Public_20241118.json")),
    )
    [o] = report.outcomes
    # The real registry's bounds apply to a file given by hand too: an empty list is refused.
    assert o.status == "refused" and "upstream looks broken" in o.message
    assert server.seen[0].path == "/ServiceTags_Public_20241118.json"


def test_as2org_latest_release_on_or_before_the_date_prefers_jsonl(server, fetcher, tmp_path):
    server.routes["/datasets/as-organizations/"] = Route(
        (DATA / "as-organizations-index.html").read_bytes(), "text/html"
    )
    as2org = source(
        tmp_path,
        id="as2org",
        resolve="caida_as2org",
        index=server.url("/datasets/as-organizations/"),
        url=server.url("/datasets/as-organizations/{date:%Y%m}01.as-org2info.jsonl.gz"),
        format="jsonl.gz",
        kind="as2org",
        rows=[1, 100],
    )
    [item] = resolve(as2org, dt.date(2023, 12, 15), fetcher)
    assert item.url == server.url("/datasets/as-organizations/20231001.as-org2info.jsonl.gz")
    [latest] = resolve(as2org, dt.date(2026, 1, 1), fetcher)
    assert latest.url.endswith("/20240101.as-org2info.jsonl.gz")
    server.routes["/datasets/as-organizations/20240101.as-org2info.jsonl.gz"] = Route(
        (DATA / "as-org2info-sample.jsonl.gz").read_bytes(), "application/gzip"
    )
    report = refresh(None, [as2org], Cache(tmp_path / "d"), fetcher, RefreshOptions(date=dt.date(2026, 1, 1)))
    assert report.outcomes[0].status == "cached_only"


def _parquet(names: list[str]) -> bytes:
    table = pa.table(
        {
            "query_name": [f"{n}." for n in names],
            "query_type": ["A"] * len(names),
            "response_name": [f"{n}." for n in names],
            "response_type": ["A"] * len(names),
            "response_ttl": pa.array([300] * len(names), pa.int64()),
            "timestamp": pa.array([1704153600000] * len(names), pa.int64()),
            "ip4_address": ["192.0.2.1"] * len(names),
        }
    )
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="gzip")
    return sink.getvalue()


def test_openintel_day_listing_is_paged_and_each_parquet_fetched(server, fetcher, tmp_path):
    prefix = "fdns/basis=toplist/source=tranco/year=2024/month=01/day=02/"
    server.add(
        f"/openintel-public?list-type=2&prefix={prefix}",
        Route((DATA / "openintel-list-page1.xml").read_bytes(), "application/xml"),
    )
    server.add(
        f"/openintel-public?list-type=2&prefix={prefix}&continuation-token=page-2-token",
        Route((DATA / "openintel-list-page2.xml").read_bytes(), "application/xml"),
    )
    for part in ("part-00000-a1.gz.parquet", "part-00001-a1.gz.parquet"):
        server.routes[f"/openintel-public/{prefix}{part}"] = Route(_parquet(["example.org"]))
    real = load_sources()["openintel-tranco"]
    openintel = source(
        tmp_path,
        id="openintel-tranco",
        resolve="openintel",
        index=real.index.replace("https://object.openintel.nl", server.url("")),
        url=real.url.replace("https://object.openintel.nl", server.url("")),
        format="parquet",
        kind="dns",
    )
    cache = Cache(tmp_path / "data")
    report = refresh(None, [openintel], cache, fetcher, RefreshOptions(date=dt.date(2024, 1, 2)))
    assert [o.status for o in report.outcomes] == ["cached_only", "cached_only"]
    assert [Path(e.path).name for e in cache.entries("openintel-tranco")] == [
        "part-00000-a1.gz.parquet",
        "part-00001-a1.gz.parquet",
    ]
    assert pq.read_table(cache.entries("openintel-tranco")[0].path).num_rows == 1


@pytest.mark.usefixtures("only_watchlist_kinds")
def test_crtsh_queries_each_entity_rate_limited_and_resumes(server, fetcher, ws, waits, tmp_path):
    ingest(ws, "watchlist", [datasets_dir() / "demo" / "watchlist.yaml"])
    names = ws.rows("select count(*) as n from entities where list_code = 'DEMO'")[0]["n"]
    domains = ws.rows("select count(*) as n from entity_known_domains")[0]["n"]
    crtsh = source(
        tmp_path,
        id="crtsh",
        resolve="crtsh",
        url=server.url("/?output=json&{query}"),
        format="json",
        kind="ct",
        lists=["DEMO"],
        interval=1.5,
    )
    server.default = Route(
        (DATA / "crtsh-identity.json").read_bytes(), "application/json", script=["ok", "ok", "500"]
    )
    cache = Cache(tmp_path / "data")
    first = refresh(ws, [crtsh], cache, fetcher, RefreshOptions(date=dt.date(2024, 1, 2)))
    assert len(first.outcomes) == names + domains and names >= 3 and domains >= 3
    assert [o.status for o in first.outcomes].count("failed") == 1
    assert first.outcomes[2].status == "failed" and "HTTP 500" in first.outcomes[2].message
    assert waits == [1.5] * (names + domains), "one pause after every request"
    assert any("O=Northwind+Vision" in s.path for s in server.seen)
    assert any("q=northwind-vision.example" in s.path for s in server.seen)
    # Restart: only the failed query is asked again.
    seen = len(server.seen)
    second = refresh(ws, [crtsh], cache, fetcher, RefreshOptions(date=dt.date(2024, 1, 2)))
    assert len(server.seen) == seen + 1
    assert all(o.status == "cached_only" for o in second.outcomes)
    assert "ingest of ct is not available in this build" in second.outcomes[0].message

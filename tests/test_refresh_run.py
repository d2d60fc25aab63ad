"""Refresh runs end to end: local HTTPS server -> cache -> checks -> ingest, with restarts and the lock."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from refresh_server import LocalServer, Route, make_certificates

from analyzer import ingest as ingest_mod
from analyzer.errors import ConfigError, SourceError
from analyzer.refresh import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_PARTIAL,
    Cache,
    Fetcher,
    HttpPolicy,
    RefreshLocked,
    RefreshOptions,
    cache_status,
    load_sources,
    refresh,
)

DATA = Path(__file__).parent / "data"
CSL_2019 = (DATA / "watchman_csl_sample_2019.csv").read_bytes()  # 115 real CSL rows
CSL_13 = (DATA / "watchman_consolidated_sample_2025.csv").read_bytes()  # 13 real rows
CLOUDFLARE = (DATA / "refresh" / "cloudflare-ips-v4.txt").read_bytes()
DAY1 = dt.date(2024, 1, 2)
DAY2 = dt.date(2024, 1, 3)


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return make_certificates(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def server(certs: tuple[Path, Path, Path]) -> Iterator[LocalServer]:
    with LocalServer(certs[1], certs[2]) as srv:
        yield srv


@pytest.fixture
def fetcher(certs: tuple[Path, Path, Path]) -> Iterator[Fetcher]:
    f = Fetcher(HttpPolicy(ca_bundle=str(certs[0]), retries=0, backoff=0.001), sleep=lambda s: None)
    yield f
    f.close()


@pytest.fixture
def cache(tmp_path: Path) -> Cache:
    return Cache(tmp_path / "data")


def registry(tmp_path: Path, *entries: dict[str, Any]) -> list:
    defaults = {"publisher": "test", "licence": "test", "frequency": 1}
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": [{**defaults, **e} for e in entries]}), encoding="utf-8")
    return list(load_sources(path).values())


def csl_entry(server: LocalServer, **extra: Any) -> dict[str, Any]:
    return {
        "id": "csl",
        "url": server.url("/consolidated.csv"),
        "format": "csv",
        "kind": "csl",
        "bytes": [100, 10_000_000],
        "rows": [100, 100_000],
        **extra,
    }


def run(ws, sources, cache, fetcher, **options: Any):
    return refresh(ws, sources, cache, fetcher, RefreshOptions(**options))


def test_real_registry_lists_every_dataset_of_the_issue():
    ids = set(load_sources())
    assert {
        "csl", "aws", "google-cloud", "google-goog", "azure", "cloudflare-v4", "cloudflare-v6", "oracle",
        "fastly", "digitalocean", "pfx2as-v4", "pfx2as-v6", "as2org", "iptoasn", "psl",
        "openintel-tranco", "crtsh",
    } <= ids  # fmt: skip
    for source in load_sources().values():
        assert source.url.startswith("https://") and source.licence and source.frequency_days > 0


def test_dry_run_resolves_every_url_without_network(tmp_path):
    sources = list(load_sources().values())
    report = run(None, sources, Cache(tmp_path), None, dry_run=True, date=DAY1)
    assert [o.dataset for o in report.outcomes] == [s.id for s in sources]
    urls = {o.dataset: o.url for o in report.outcomes}
    assert urls["pfx2as-v4"].endswith("/2024/01/routeviews-rv2-20240102-1200.pfx2as.gz")
    assert "year=2024/month=01/day=02/" in urls["openintel-tranco"]
    assert report.exit_code == EXIT_OK
    assert not (tmp_path / ".refresh.lock").exists(), "a dry run takes no lock and writes nothing"


def test_csl_is_downloaded_checked_and_ingested_with_the_url_as_provenance(
    server, ws, cache, fetcher, tmp_path
):
    server.routes["/consolidated.csv"] = Route(CSL_2019, "text/csv", etag='"csl-1"')
    report = run(ws, registry(tmp_path, csl_entry(server)), cache, fetcher, date=DAY1)
    [outcome] = report.outcomes
    assert outcome.status == "ingested" and report.exit_code == EXIT_OK
    row = ws.rows("select source, rows_loaded, sha256 from datasets where kind = 'csl'")[0]
    assert row["source"] == server.url("/consolidated.csv")
    assert row["rows_loaded"] == 115 and row["sha256"] == outcome.sha256
    cached = cache.latest("csl")
    assert cached is not None and cached.rows == 115 and cached.etag == '"csl-1"'
    assert cached.file == cache.root / "csl" / "2024-01-02" / "consolidated.csv"
    log = ws.rows("select source_id, status, dataset_id from refresh_log")
    assert log == [{"source_id": "csl", "status": "ingested", "dataset_id": outcome.dataset_id}]


def test_same_day_rerun_makes_no_request_and_next_day_asks_with_etag(server, ws, cache, fetcher, tmp_path):
    server.routes["/consolidated.csv"] = Route(CSL_2019, "text/csv", etag='"csl-1"')
    sources = registry(tmp_path, csl_entry(server))
    run(ws, sources, cache, fetcher, date=DAY1)
    again = run(ws, sources, cache, fetcher, date=DAY1)
    assert len(server.seen) == 1
    assert again.outcomes[0].status == "unchanged"
    later = run(ws, sources, cache, fetcher, date=DAY2)
    assert server.seen[-1].headers["If-None-Match"] == '"csl-1"'
    assert later.outcomes[0].status == "unchanged" and "not modified upstream" in later.outcomes[0].message
    assert ws.rows("select count(*) as n from datasets")[0]["n"] == 1


def test_screening_list_with_13_rows_is_refused_by_the_real_bounds(server, ws, cache, fetcher, tmp_path):
    real = load_sources()["csl"]
    # The registry's size floor alone would refuse it; keep only the row bounds to show that check.
    entry = csl_entry(server, bytes=[1, 10**9], rows=list(real.rows_bounds))
    server.routes["/consolidated.csv"] = Route(CSL_13, "text/csv")
    report = run(ws, registry(tmp_path, entry), cache, fetcher, date=DAY1)
    [outcome] = report.outcomes
    assert outcome.status == "refused"
    assert "13 records, the registry expects 5,000 to 200,000: upstream looks broken" in outcome.message
    assert report.exit_code == EXIT_FAILED
    assert ws.rows("select count(*) as n from datasets")[0]["n"] == 0
    assert cache.latest("csl") is None, "a refused file is never used later, online or offline"


def _cloud_json(prefixes: int) -> bytes:
    real = json.loads((DATA / "refresh" / "google-cloud.json").read_text())
    return json.dumps({**real, "prefixes": real["prefixes"][:prefixes]}).encode()


@pytest.mark.usefixtures("only_watchlist_kinds")
def test_range_file_that_shrank_is_held_back_unless_forced(server, ws, cache, fetcher, tmp_path):
    entry = {
        "id": "google-cloud",
        "url": server.url("/cloud.json"),
        "format": "json",
        "count": ["prefixes"],
        "kind": "ranges",
        "options": {"provider": "google"},
        "rows": [10, 100_000],
    }
    sources = registry(tmp_path, entry)
    server.routes["/cloud.json"] = Route(_cloud_json(100), "application/json")
    first = run(ws, sources, cache, fetcher, date=DAY1)
    assert first.outcomes[0].status == "cached_only"
    assert "ingest of ranges is not available in this build" in first.outcomes[0].message
    server.routes["/cloud.json"] = Route(_cloud_json(60), "application/json")
    second = run(ws, sources, cache, fetcher, date=DAY2)
    assert second.outcomes[0].status == "held_back" and second.exit_code == EXIT_FAILED
    assert "60 records against 100 in the previous snapshot (-40%)" in second.outcomes[0].message
    assert cache.latest("google-cloud").rows == 100, "the held-back file does not become the latest"
    requests_before = len(server.seen)
    forced = run(ws, sources, cache, fetcher, date=DAY2, force=True)
    assert forced.outcomes[0].status == "cached_only"
    assert len(server.seen) == requests_before, "--force accepts the held-back copy without fetching again"
    assert cache.latest("google-cloud").rows == 60


@pytest.mark.usefixtures("only_watchlist_kinds")
def test_interrupted_refresh_restarts_without_refetching_or_half_loads(
    server, ws, cache, certs, tmp_path, monkeypatch
):
    server.routes["/consolidated.csv"] = Route(CSL_2019, "text/csv", etag='"a"')
    server.routes["/ips-v4"] = Route(CLOUDFLARE * 40, "text/plain", etag='"b"', script=["cut:2000"])
    sources = registry(
        tmp_path,
        csl_entry(server),
        {
            "id": "cloudflare-v4",
            "url": server.url("/ips-v4"),
            "format": "text",
            "kind": "ranges",
            "rows": [5, 10_000],
        },
    )
    # Run 1: CSL ingest dies inside its transaction; the range download is cut.
    real_parser = ingest_mod.KINDS["csl"]

    def crash(ctx):
        real_parser(ctx)
        raise SourceError(ctx.path, "disk full (simulated)")

    monkeypatch.setitem(ingest_mod.KINDS, "csl", crash)
    fetcher = Fetcher(HttpPolicy(ca_bundle=str(certs[0]), retries=0), sleep=lambda s: None)
    first = run(ws, sources, cache, fetcher, date=DAY1)
    assert [o.status for o in first.outcomes] == ["failed", "failed"]
    assert first.exit_code == EXIT_FAILED
    assert ws.rows("select count(*) as n from datasets")[0]["n"] == 0
    assert ws.rows("select count(*) as n from raw_entities")[0]["n"] == 0, "nothing half-loaded"
    # Run 2: the CSL file is reused from the cache, the cut file resumes where it stopped.
    monkeypatch.setitem(ingest_mod.KINDS, "csl", real_parser)
    seen_before = len(server.seen)
    second = run(ws, sources[:1], cache, fetcher, date=DAY1)
    assert len(server.seen) == seen_before, "the complete CSL file is not fetched again"
    assert second.outcomes[0].status == "ingested"
    third = run(ws, sources[1:], cache, fetcher, date=DAY1)
    assert server.seen[-1].headers["Range"] == "bytes=2000-"
    assert third.outcomes[0].status == "cached_only"
    assert cache.latest("cloudflare-v4").bytes == len(CLOUDFLARE * 40)


def test_partial_failure_exit_code(server, ws, cache, fetcher, tmp_path):
    server.routes["/consolidated.csv"] = Route(CSL_2019, "text/csv")
    sources = registry(
        tmp_path,
        csl_entry(server),
        {"id": "gone", "url": server.url("/gone.json"), "format": "json", "kind": None},
    )
    report = run(ws, sources, cache, fetcher, date=DAY1)
    assert [o.status for o in report.outcomes] == ["ingested", "failed"]
    assert "HTTP 404" in report.outcomes[1].message
    assert report.exit_code == EXIT_PARTIAL


def test_second_refresh_is_refused_while_one_runs(server, ws, cache, fetcher, tmp_path):
    sources = registry(tmp_path, csl_entry(server))
    with cache.lock(), pytest.raises(RefreshLocked, match=r"another refresh is running .* \(pid \d+"):
        run(ws, sources, cache, fetcher, date=DAY1)
    assert server.seen == []


def test_offline_reingests_the_newest_cached_snapshot(server, ws, db_file, cache, fetcher, tmp_path):
    from analyzer.workspace import Workspace

    server.routes["/consolidated.csv"] = Route(CSL_2019, "text/csv")
    sources = registry(tmp_path, csl_entry(server))
    run(ws, sources, cache, fetcher, date=DAY1)
    server.routes.clear()
    with Workspace(db_file) as fresh:
        report = run(fresh, sources, cache, None, offline=True)
        assert report.outcomes[0].status == "ingested" and "offline" in report.outcomes[0].message
        assert fresh.rows("select source from datasets")[0]["source"] == server.url("/consolidated.csv")


def test_offline_with_nothing_cached_fails_clearly(ws, cache, tmp_path):
    sources = registry(
        tmp_path,
        {
            "id": "aws",
            "url": "https://ip-ranges.amazonaws.com/ip-ranges.json",
            "format": "json",
            "kind": None,
        },
    )
    report = run(ws, sources, cache, None, offline=True)
    assert report.outcomes[0].status == "failed"
    assert "nothing cached for aws; run without --offline" in report.outcomes[0].message


def test_cache_status_shows_cached_loaded_and_stale(server, ws, cache, fetcher, tmp_path):
    server.routes["/consolidated.csv"] = Route(CSL_2019, "text/csv")
    sources = registry(
        tmp_path,
        csl_entry(server),
        {"id": "psl", "url": server.url("/psl.dat"), "format": "psl", "kind": None},
    )
    run(ws, sources[:1], cache, fetcher, date=DAY1)
    now = dt.datetime.now(dt.UTC)
    rows = {r["dataset"]: r for r in cache_status(cache, sources, ws, now=now)}
    assert rows["csl"]["stale"] == "fresh" and rows["csl"]["loaded"] == "1" and rows["csl"]["rows"] == 115
    assert rows["psl"]["stale"] == "never fetched"
    later = {r["dataset"]: r for r in cache_status(cache, sources, ws, now=now + dt.timedelta(days=3))}
    assert later["csl"]["stale"] == "stale"


def test_url_override_needs_exactly_one_dataset(tmp_path, cache):
    sources = list(load_sources().values())[:2]
    with pytest.raises(ConfigError, match="name exactly one dataset"):
        run(None, sources, cache, None, url="https://example.org/x.json")


def test_registry_errors_name_the_entry(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n  - id: x\n    url: https://x\n    format: xml\n    publisher: p\n    licence: l\n    frequency: 1\n"
    )
    with pytest.raises(ConfigError, match=r"sources.yaml entry 1: format 'xml' is not one of"):
        load_sources(path)


def test_refreshed_public_suffix_list_is_used_for_registrable_domains(
    server, cache, fetcher, tmp_path, monkeypatch
):
    from analyzer import domains
    from analyzer import psl as psl_module

    psl = b"// ===BEGIN ICANN DOMAINS===\ncom\nexample\n// ===BEGIN PRIVATE DOMAINS===\nnew-suffix.example\n"
    server.routes["/public_suffix_list.dat"] = Route(psl, "text/plain; charset=utf-8")
    entry = {
        "id": "psl",
        "url": server.url("/public_suffix_list.dat"),
        "format": "psl",
        "kind": None,
        "rows": [3, 10],
    }
    report = run(None, registry(tmp_path, entry), cache, fetcher, date=DAY1)
    assert report.outcomes[0].status == "cached_only"
    monkeypatch.setenv("ANALYZER_DATA", str(cache.root))
    psl_module._rules_connection.cache_clear()
    try:
        assert domains.registrable_domain("www.shop.new-suffix.example") == "shop.new-suffix.example"
    finally:
        psl_module._rules_connection.cache_clear()


def test_gzip_line_count_and_corrupt_gzip(tmp_path):
    import gzip

    from analyzer.refresh.checks import CheckFailed, count_rows

    source = load_sources()["pfx2as-v4"]
    good = tmp_path / "a.pfx2as.gz"
    good.write_bytes(gzip.compress(b"1.0.0.0\t24\t13335\n1.0.4.0\t22\t38803"))  # no final newline
    assert count_rows(source, good) == 2
    cut = tmp_path / "b.pfx2as.gz"
    cut.write_bytes(good.read_bytes()[:-12])
    with pytest.raises(CheckFailed, match="corrupt or truncated compressed data"):
        count_rows(source, cut)


@pytest.mark.parametrize(
    ("dataset", "fixture", "rows"),
    [
        ("cloudflare-v4", "cloudflare-ips-v4.txt", 15),
        ("fastly", "fastly-public-ip-list.json", None),
        ("google-cloud", "google-cloud.json", 120),
    ],
)
def test_real_registry_bounds_accept_real_files(dataset, fixture, rows):
    from analyzer.refresh.checks import check_file, count_rows

    source = load_sources()[dataset]
    path = DATA / "refresh" / fixture
    counted = count_rows(source, path)
    if rows is not None:
        assert counted == rows
    doc = json.loads(path.read_text()) if path.suffix == ".json" else None
    if dataset == "fastly":
        assert counted == len(doc["addresses"]) + len(doc["ipv6_addresses"])
    check_file(source, path.stat().st_size, counted, None, force=False)  # no exception: accepted


def test_registry_options_and_dates_reach_the_ingest_kind(server, ws, cache, fetcher, tmp_path, monkeypatch):
    """When a kind exists (here a stand-in for `ranges`), refresh hands it the registry's options."""
    seen: dict[str, Any] = {}

    def fake_ranges(ctx):
        seen.update(ctx.options)
        ctx.format = "cidr-list"
        return 15

    monkeypatch.setitem(ingest_mod.KINDS, "ranges", fake_ranges)
    server.routes["/ips-v4"] = Route(CLOUDFLARE, "text/plain")
    real = load_sources()["cloudflare-v4"]
    entry = {
        "id": "cloudflare-v4",
        "url": server.url("/ips-v4"),
        "format": "text",
        "kind": "ranges",
        "options": real.options,
    }
    report = run(ws, registry(tmp_path, entry), cache, fetcher, date=DAY1)
    assert report.outcomes[0].status == "ingested"
    assert seen == {"provider": "cloudflare"}
    row = ws.rows("select kind, format, source, rows_loaded from datasets")[0]
    assert row == {
        "kind": "ranges",
        "format": "cidr-list",
        "source": server.url("/ips-v4"),
        "rows_loaded": 15,
    }

"""`analyzer refresh` and `scripts/refresh.sh` as a user and a scheduler see them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from refresh_server import LocalServer, Route, make_certificates
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.refresh import Cache, load_sources

ROOT = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data"
runner = CliRunner()


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return make_certificates(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def server(certs: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalServer]:
    # requests trusts $REQUESTS_CA_BUNDLE when verifying: the CLI then verifies against the test CA.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(certs[0]))
    with LocalServer(certs[1], certs[2]) as srv:
        yield srv


def local_registry(tmp_path: Path, server: LocalServer) -> Path:
    entries = [
        {
            "id": "csl",
            "publisher": "trade.gov (local copy)",
            "url": server.url("/consolidated.csv"),
            "format": "csv",
            "kind": "csl",
            "licence": "public domain",
            "frequency": 1,
            "rows": [100, 100_000],
        },
        {
            "id": "cloudflare-v4",
            "publisher": "Cloudflare (local copy)",
            "url": server.url("/ips-v4"),
            "format": "text",
            "kind": "ranges",
            "options": {"provider": "cloudflare"},
            "licence": "-",
            "frequency": 30,
            "rows": [5, 1000],
        },
    ]
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": entries}), encoding="utf-8")
    return path


def test_dry_run_lists_every_dataset_with_its_resolved_url():
    result = runner.invoke(app, ["refresh", "--dry-run", "--date", "2024-01-02"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    for source in load_sources().values():
        [line] = [ln for ln in lines if ln.startswith(f"{source.id}: dry_run: ")]
        assert "https://" in line
    assert any("routeviews-rv2-20240102" in ln for ln in lines)


def test_unknown_dataset_is_one_clear_error():
    result = runner.invoke(app, ["refresh", "--dry-run", "nosuch"])
    assert result.exit_code == 1
    assert "unknown dataset 'nosuch'; expected one of: csl, aws" in result.stderr


@pytest.mark.usefixtures("only_watchlist_kinds")
def test_refresh_then_datasets_show_what_is_cached_and_loaded(server, tmp_path):
    server.routes["/consolidated.csv"] = Route(
        (DATA / "watchman_csl_sample_2019.csv").read_bytes(), "text/csv"
    )
    server.routes["/ips-v4"] = Route((DATA / "refresh" / "cloudflare-ips-v4.txt").read_bytes(), "text/plain")
    sources = local_registry(tmp_path, server)
    args = ["--db", str(tmp_path / "a.duckdb"), "refresh", "--sources", str(sources)]
    result = runner.invoke(app, [*args, "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 0, result.output
    assert "csl: ingested: downloaded" in result.stdout
    assert (
        "cloudflare-v4: cached_only: downloaded 230 bytes; ingest of ranges is not available" in result.stdout
    )
    shown = runner.invoke(
        app,
        [
            "--db",
            str(tmp_path / "a.duckdb"),
            "datasets",
            "--cache",
            "--data-dir",
            str(tmp_path / "data"),
            "-f",
            "csv",
        ],
    )
    assert shown.exit_code == 0, shown.output
    csl_row = next(ln for ln in shown.stdout.splitlines() if ln.startswith("csl,"))
    assert ",115," in csl_row and ",fresh," in csl_row


def test_partial_failure_exit_code_is_2(server, tmp_path):
    server.routes["/consolidated.csv"] = Route(
        (DATA / "watchman_csl_sample_2019.csv").read_bytes(), "text/csv"
    )
    sources = local_registry(tmp_path, server)  # /ips-v4 has no route: 404
    result = runner.invoke(
        app,
        [
            "--db",
            str(tmp_path / "a.duckdb"),
            "refresh",
            "--sources",
            str(sources),
            "--data-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 2
    assert "cloudflare-v4: failed:" in result.stdout and "HTTP 404" in result.stdout


def test_second_refresh_exits_4_with_a_clear_message(server, tmp_path):
    sources = local_registry(tmp_path, server)
    with Cache(tmp_path / "data").lock():
        result = runner.invoke(
            app,
            [
                "--db",
                str(tmp_path / "a.duckdb"),
                "refresh",
                "--sources",
                str(sources),
                "--data-dir",
                str(tmp_path / "data"),
            ],
        )
    assert result.exit_code == 4
    assert "another refresh is running" in result.stderr
    assert server.seen == []


def _script(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ANALYZER": f"{sys.executable} -m analyzer",
        "ANALYZER_DB": str(tmp_path / "s.duckdb"),
        "ANALYZER_DATA": str(tmp_path / "data"),
    }
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / "refresh.sh"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_script_passes_exit_codes_to_the_scheduler(server, tmp_path):
    ok = _script(tmp_path, "--dry-run", "csl")
    assert ok.returncode == 0 and "ok (exit 0)" in ok.stderr
    total = _script(tmp_path, "--sources", str(local_registry(tmp_path, server)))  # nothing served
    assert total.returncode == 3 and "total failure" in total.stderr
    bad = _script(tmp_path, "--date", "yesterday")
    assert bad.returncode == 1 and "configuration error" in bad.stderr


@pytest.mark.usefixtures("only_watchlist_kinds")
def test_killed_refresh_restarts_without_refetching_or_half_loading(server, tmp_path):
    """kill -9 in the middle of the second download; the next run skips the first file and resumes."""
    csl = (DATA / "watchman_csl_sample_2019.csv").read_bytes()
    ranges = (DATA / "refresh" / "cloudflare-ips-v4.txt").read_bytes() * 50
    server.routes["/consolidated.csv"] = Route(csl, "text/csv", etag='"c"')
    server.routes["/ips-v4"] = Route(ranges, "text/plain", etag='"r"', script=["stall:4000"])
    env = {
        **os.environ,
        "ANALYZER_DB": str(tmp_path / "k.duckdb"),
        "ANALYZER_DATA": str(tmp_path / "data"),
    }
    cmd = [sys.executable, "-m", "analyzer", "refresh", "--sources", str(local_registry(tmp_path, server))]
    cmd += ["--date", "2024-01-02"]
    part = tmp_path / "data" / "cloudflare-v4" / "2024-01-02" / "ips-v4.part"
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not (part.exists() and part.stat().st_size == 4000):
            assert proc.poll() is None and time.monotonic() < deadline, "refresh did not reach the stall"
            time.sleep(0.05)
        proc.kill()
        proc.wait(10)
    finally:
        server.release.set()
    assert len(server.requests_to("/consolidated.csv")) == 1
    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert rerun.returncode == 0, rerun.stderr
    assert len(server.requests_to("/consolidated.csv")) == 1, "the complete file is not fetched again"
    assert server.requests_to("/ips-v4")[-1].headers["Range"] == "bytes=4000-"
    assert "csl: unchanged: already fetched for this date" in rerun.stdout
    assert (tmp_path / "data" / "cloudflare-v4" / "2024-01-02" / "ips-v4").read_bytes() == ranges
    shown = runner.invoke(
        app,
        [
            "--db",
            str(tmp_path / "k.duckdb"),
            "sql",
            "select kind, status from datasets order by dataset_id",
            "-f",
            "csv",
        ],
    )
    expected = ["kind,status", "csl,loaded", "ranges,loaded"]
    assert shown.stdout.split() == expected, "one complete load each, nothing half-loaded"

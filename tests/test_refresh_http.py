"""The downloader against a real HTTPS server on 127.0.0.1 whose CA is made in test setup."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from refresh_server import LocalServer, Route, make_certificates

from analyzer.refresh.http import USER_AGENT, DownloadError, Fetcher, HttpPolicy, retry_after_seconds

BODY = bytes(range(256)) * 64  # 16 KiB, every byte value


@pytest.fixture(scope="session")
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
    policy = HttpPolicy(ca_bundle=str(certs[0]), retries=3, backoff=0.01, connect_timeout=5, read_timeout=5)
    f = Fetcher(policy, sleep=waits.append)
    yield f
    f.close()


def test_https_download_is_verified_streamed_and_renamed(server, fetcher, tmp_path):
    server.routes["/ips-v4"] = Route(BODY, "text/plain", etag='"v1"')
    dest = tmp_path / "ips-v4"
    got = fetcher.download(server.url("/ips-v4"), dest)
    assert got.status == "downloaded"
    assert dest.read_bytes() == BODY
    assert got.etag == '"v1"'
    assert not list(tmp_path.glob("*.part*")), "no temporary file is left behind"
    headers = server.seen[0].headers
    assert headers["User-Agent"] == USER_AGENT and USER_AGENT.startswith("analyzer/")
    assert headers["Accept-Encoding"] == "identity"


def test_unknown_ca_is_refused(certs, server, tmp_path):
    server.routes["/f"] = Route(BODY)
    plain = Fetcher(HttpPolicy(retries=0))  # the system store does not know the test CA
    with pytest.raises(DownloadError, match="TLS verification failed"):
        plain.download(server.url("/f"), tmp_path / "f")
    assert not (tmp_path / "f").exists()


def test_etag_makes_an_unchanged_file_a_304(server, fetcher, tmp_path):
    server.routes["/cloud.json"] = Route(BODY, "application/json", etag='"abc"')
    first = fetcher.download(server.url("/cloud.json"), tmp_path / "a" / "cloud.json")
    second = fetcher.download(server.url("/cloud.json"), tmp_path / "b" / "cloud.json", etag=first.etag)
    assert second.status == "not_modified"
    assert server.seen[-1].headers["If-None-Match"] == '"abc"'
    assert not (tmp_path / "b" / "cloud.json").exists()


def test_last_modified_is_sent_as_if_modified_since(server, fetcher, tmp_path):
    stamp = "Tue, 02 Jan 2024 10:00:00 GMT"
    server.routes["/f"] = Route(BODY, last_modified=stamp)
    fetcher.download(server.url("/f"), tmp_path / "f", last_modified=stamp)
    assert server.seen[-1].headers["If-Modified-Since"] == stamp
    # The file carries the upstream date, which ingest uses when the data has none.
    assert (tmp_path / "f").stat().st_mtime == 1704189600


def test_cut_connection_is_resumed_with_range(server, fetcher, tmp_path):
    server.routes["/big.gz"] = Route(BODY, etag='"r1"', script=["cut:5000"])
    dest = tmp_path / "big.gz"
    got = fetcher.download(server.url("/big.gz"), dest)
    assert dest.read_bytes() == BODY
    assert got.sha256 == hashlib.sha256(BODY).hexdigest(), "the hash covers the resumed part too"
    assert got.resumed_from == 5000 and got.attempts == 2
    retry = server.seen[1].headers
    assert retry["Range"] == "bytes=5000-" and retry["If-Range"] == '"r1"'


def test_resume_survives_a_restarted_process(server, certs, tmp_path):
    """A part file left by a killed run is continued by the next run, not fetched again."""
    server.routes["/big.gz"] = Route(BODY, etag='"r1"', script=["cut:7000"])
    dest = tmp_path / "big.gz"
    dying = Fetcher(HttpPolicy(ca_bundle=str(certs[0]), retries=0))
    with pytest.raises(DownloadError, match="connection cut"):
        dying.download(server.url("/big.gz"), dest)
    assert not dest.exists() and (tmp_path / "big.gz.part").stat().st_size == 7000
    again = Fetcher(HttpPolicy(ca_bundle=str(certs[0]), retries=0))
    got = again.download(server.url("/big.gz"), dest)
    assert got.resumed_from == 7000 and got.sha256 == hashlib.sha256(BODY).hexdigest()
    assert dest.read_bytes() == BODY


def test_changed_file_restarts_instead_of_splicing(server, fetcher, certs, tmp_path):
    """If-Range: when the file changed upstream the server sends it whole, and so do we."""
    server.routes["/f"] = Route(BODY, etag='"old"', script=["cut:3000"])
    dying = Fetcher(HttpPolicy(ca_bundle=str(certs[0]), retries=0))
    with pytest.raises(DownloadError):
        dying.download(server.url("/f"), tmp_path / "f")
    new_body = BODY[::-1]
    server.routes["/f"] = Route(new_body, etag='"new"')
    got = fetcher.download(server.url("/f"), tmp_path / "f")
    assert got.resumed_from == 0
    assert (tmp_path / "f").read_bytes() == new_body


def test_500_then_200_retries_with_exponential_backoff(server, fetcher, waits, tmp_path):
    server.routes["/f"] = Route(BODY, script=["500", "500"])
    got = fetcher.download(server.url("/f"), tmp_path / "f")
    assert got.status == "downloaded" and (tmp_path / "f").read_bytes() == BODY
    assert waits == [0.01, 0.02]


def test_persistent_500_gives_up_with_the_reason(server, fetcher, tmp_path):
    server.routes["/f"] = Route(BODY, script=["500"] * 10)
    with pytest.raises(DownloadError, match=r"gave up after 4 attempts: HTTP 500"):
        fetcher.download(server.url("/f"), tmp_path / "f")
    assert not (tmp_path / "f").exists()


def test_429_honours_retry_after(server, fetcher, waits, tmp_path):
    server.routes["/crt"] = Route(b"[]", "application/json", script=["429:3"])
    fetcher.download(server.url("/crt"), tmp_path / "crt.json")
    assert waits == [3.0]


def test_429_asking_for_too_long_a_wait_gives_up(server, certs, tmp_path):
    server.routes["/crt"] = Route(b"[]", script=["429:7200"])
    f = Fetcher(HttpPolicy(ca_bundle=str(certs[0]), max_wait=60), sleep=lambda s: None)
    with pytest.raises(DownloadError, match="asks to wait 7200s"):
        f.download(server.url("/crt"), tmp_path / "crt.json")


def test_retry_after_as_http_date():
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0
    assert retry_after_seconds("soon") is None


def test_truncated_body_is_never_kept_under_the_real_name(server, fetcher, tmp_path):
    server.routes["/f"] = Route(BODY, ranges=False, script=["cut:100"] * 10)
    with pytest.raises(DownloadError, match="connection cut after 100 bytes"):
        fetcher.download(server.url("/f"), tmp_path / "f")
    assert not (tmp_path / "f").exists()


def test_html_error_page_instead_of_data_is_refused(server, fetcher, tmp_path):
    server.routes["/ip-ranges.json"] = Route(BODY, script=["html"])
    with pytest.raises(DownloadError, match="unexpected Content-Type 'text/html'"):
        fetcher.download(server.url("/ip-ranges.json"), tmp_path / "f", accept_types=("application/json",))
    assert not list(tmp_path.iterdir())


def test_wrong_content_type_for_the_format_is_refused(server, fetcher, tmp_path):
    server.routes["/f.gz"] = Route(BODY, "image/png")
    with pytest.raises(DownloadError, match="unexpected Content-Type 'image/png'"):
        fetcher.download(server.url("/f.gz"), tmp_path / "f.gz", accept_types=("application/gzip",))


def test_body_over_the_size_cap_is_refused_before_reading(server, fetcher, tmp_path):
    server.routes["/f"] = Route(BODY)
    with pytest.raises(DownloadError, match="over the size cap of 1,000"):
        fetcher.download(server.url("/f"), tmp_path / "f", max_bytes=1000)
    assert not list(tmp_path.iterdir())


def test_redirect_to_plain_http_is_refused(server, fetcher, tmp_path):
    server.routes["/moved"] = Route(BODY, script=["redirect:http://127.0.0.1:9/ip-ranges.json"])
    with pytest.raises(
        DownloadError, match=re.escape("redirected to http://127.0.0.1:9/ip-ranges.json, which is not https")
    ):
        fetcher.download(server.url("/moved"), tmp_path / "f")


def test_redirect_within_https_is_followed(server, fetcher, tmp_path):
    server.routes["/ips-v4"] = Route(BODY, script=[f"redirect:{server.url('/ips-v4/')}"])
    server.routes["/ips-v4/"] = Route(BODY, "text/plain")
    assert fetcher.download(server.url("/ips-v4"), tmp_path / "f").status == "downloaded"


def test_plain_http_needs_the_test_only_switch(tmp_path):
    with LocalServer() as srv:
        srv.routes["/f"] = Route(BODY)
        with pytest.raises(DownloadError, match="only https"):
            Fetcher(HttpPolicy(retries=0)).download(srv.url("/f"), tmp_path / "f")
        loopback = Fetcher(HttpPolicy(allow_http_loopback=True))
        assert loopback.download(srv.url("/f"), tmp_path / "f").status == "downloaded"
    with pytest.raises(DownloadError, match="only https"):
        loopback.check_url("http://example.org/f")


def test_http_errors_other_than_5xx_are_not_retried(server, fetcher, waits, tmp_path):
    with pytest.raises(DownloadError, match="HTTP 404"):
        fetcher.download(server.url("/missing"), tmp_path / "f")
    assert waits == [] and len(server.seen) == 1


def test_progress_bar_on_a_terminal_and_log_lines_otherwise(server, certs, tmp_path):
    import io

    from rich.console import Console

    server.routes["/f"] = Route(BODY)
    policy = HttpPolicy(ca_bundle=str(certs[0]))
    screen = io.StringIO()
    on_tty = Fetcher(policy, console=Console(file=screen, force_terminal=True, width=100))
    assert on_tty.download(server.url("/f"), tmp_path / "a").status == "downloaded"
    assert screen.getvalue(), "a terminal gets a (transient) progress bar"
    lines: list[str] = []
    piped = Fetcher(policy, log=lines.append, console=Console(file=io.StringIO(), force_terminal=False))
    piped.download(server.url("/f"), tmp_path / "b")
    assert lines == [f"{server.url('/f')}: 16,384 bytes"]

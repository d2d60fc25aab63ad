"""Shared fixtures: an in-memory workspace with sql/ applied, the real-format test files, no network."""

from __future__ import annotations

import os
import socket
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from analyzer.cli import load_commands
from analyzer.ingest import load_capabilities
from analyzer.settings import OFFLINE
from analyzer.workspace import Workspace

DATA = Path(__file__).parent / "data"

# New databases are copies of a cached empty one (analyzer.templates): the tests (and the CLI
# processes they start) share a cache of their own, never the user's.
os.environ.setdefault("ANALYZER_CACHE_DIR", tempfile.mkdtemp(prefix="analyzer-test-cache-"))
# The CLI's main() registers only the command it runs; tests invoke `app` itself with every command.
load_commands()
# Every ingest kind registered from the start, as in a process that has ingested once: tests read and
# patch analyzer.ingest.KINDS directly (only_watchlist_kinds below, test_refresh_run).
load_capabilities()


def _loopback(host: object) -> bool:
    return isinstance(host, str) and (host in ("localhost", "::1") or host.startswith("127."))


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection to, or name lookup of, a non-loopback host fails the test: tests never reach
    the Internet (connect, connect_ex, getaddrinfo and gethostbyname: what requests, urllib3 and the
    stdlib use). DuckDB's own HTTP client does not use Python sockets: _duckdb_offline covers it."""
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(sock: socket.socket, address: object) -> None:
        host = address[0] if isinstance(address, tuple) else str(address)
        if sock.family != socket.AF_UNIX and not _loopback(host):
            raise AssertionError(f"test tried to reach the network: {address!r}")

    def connect(self: socket.socket, address: object) -> object:
        check(self, address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: object) -> int:
        check(self, address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if host is not None and not _loopback(host):
            raise AssertionError(f"test tried to resolve a host name: {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    def gethostbyname(host: str) -> str:
        if not _loopback(host):
            raise AssertionError(f"test tried to resolve a host name: {host!r}")
        return "127.0.0.1" if host == "localhost" else host

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "gethostbyname", gethostbyname)


@pytest.fixture(autouse=True)
def _duckdb_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """A DuckDB connection opened by analyzer without extension auto-install and auto-load off fails
    the test (DuckDB would download httpfs or motherduck by itself); the tests' own connections get
    the same settings. Either way no test can make DuckDB fetch an extension."""
    real = duckdb.connect

    def connect(database: object = ":memory:", *args: object, **kwargs: object) -> object:
        config = dict(kwargs.pop("config", None) or {})  # type: ignore[call-overload]
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if caller.startswith("analyzer") and any(config.get(k) != v for k, v in OFFLINE.items()):
            raise AssertionError(f"{caller} opened DuckDB without the offline settings: {config}")
        return real(database, *args, config={**config, **OFFLINE}, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(duckdb, "connect", connect)


@pytest.fixture
def data() -> Path:
    return DATA


@pytest.fixture
def ws() -> Iterator[Workspace]:
    """An in-memory database with the schema, views and provider catalog loaded."""
    workspace = Workspace(":memory:")
    yield workspace
    workspace.close()


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return tmp_path / "test.duckdb"


@pytest.fixture
def only_watchlist_kinds(monkeypatch: pytest.MonkeyPatch) -> None:
    """A build whose only ingest kinds are csl and watchlist: for tests of the download-only path."""
    import analyzer.ingest as ingest_mod

    monkeypatch.setattr(
        ingest_mod, "KINDS", {k: v for k, v in ingest_mod.KINDS.items() if k in ("csl", "watchlist")}
    )

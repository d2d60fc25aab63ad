"""Shared fixtures: an in-memory workspace with sql/ applied, the real-format test files, no network."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from analyzer.workspace import Workspace

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection to a non-loopback address fails the test: tests never reach the Internet."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else str(address)
        if isinstance(host, str) and not (
            host in ("localhost", "::1") or host.startswith("127.") or self.family == socket.AF_UNIX
        ):
            raise AssertionError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


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

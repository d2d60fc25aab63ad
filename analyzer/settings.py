"""Explicit runtime settings: database location and DuckDB resources, from options then environment."""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb

from analyzer.errors import ConfigError

DEFAULT_DB = "analyzer.duckdb"
DEMO_DB = "analyzer-demo.duckdb"


# DuckDB opens `md:x` (MotherDuck), `s3://...`, `http://...` as remote databases: a scheme prefix.
_REMOTE_DB = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")


def db_path(option: str | Path | None = None) -> Path:
    """`--db PATH`, else `$ANALYZER_DB`, else `./analyzer.duckdb`; a local file only."""
    if option:
        path = Path(option)
    else:
        env = os.environ.get("ANALYZER_DB")
        path = Path(env) if env else Path(DEFAULT_DB)
    check_local_db(str(path))
    return path


def check_local_db(path: str) -> None:
    """Refuse a database DuckDB would open over the network (`md:`, `s3://`, `http://` ...):
    analyzer works offline on a local file (`./md:x.duckdb` names a local file with a colon)."""
    if path != ":memory:" and _REMOTE_DB.match(path):
        raise ConfigError(
            f"--db {path!r} is not a local file: analyzer works offline on a local DuckDB file "
            "(write ./NAME for a local file whose name has a colon)"
        )


# Every connection: DuckDB never downloads or loads an extension by itself (a query naming an
# https:// file or an `md:` database would otherwise fetch httpfs or motherduck from the Internet).
OFFLINE = {
    "autoinstall_known_extensions": "false",
    "autoload_known_extensions": "false",
    "allow_community_extensions": "false",
}


def duckdb_config() -> dict[str, str]:
    """Connection settings; memory and threads come from the environment when set."""
    config = {
        **OFFLINE,
        # Bulk loads do not need insertion order; this nearly halves ingest memory and time.
        "preserve_insertion_order": "false",
        # DuckDB turns an ASOF join whose left side it estimates below this many rows into a nested
        # loop plus aggregate; with a million route intervals that made one `analyzer lookup` of a
        # few addresses take 70 s instead of a fraction of a second. The sorted form is always fine.
        "asof_loop_join_threshold": "0",
    }
    memory = os.environ.get("ANALYZER_DUCKDB_MEMORY")
    if memory:
        config["memory_limit"] = memory
    threads = os.environ.get("ANALYZER_DUCKDB_THREADS")
    if threads:
        if not threads.isdigit() or int(threads) < 1:
            raise ConfigError(f"ANALYZER_DUCKDB_THREADS is {threads!r}, expected a whole number >= 1")
        config["threads"] = threads
    return config


def connect(path: str = ":memory:", *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the offline settings (every connection analyzer opens)."""
    return duckdb.connect(path, read_only=read_only, config=duckdb_config())

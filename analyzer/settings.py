"""Explicit runtime settings: database location and DuckDB resources, from options then environment."""

from __future__ import annotations

import os
from pathlib import Path

from analyzer.errors import ConfigError

DEFAULT_DB = "analyzer.duckdb"
DEMO_DB = "analyzer-demo.duckdb"


def db_path(option: str | Path | None = None) -> Path:
    """`--db PATH`, else `$ANALYZER_DB`, else `./analyzer.duckdb`."""
    if option:
        return Path(option)
    env = os.environ.get("ANALYZER_DB")
    return Path(env) if env else Path(DEFAULT_DB)


def duckdb_config() -> dict[str, str]:
    """Connection settings; memory and threads come from the environment when set."""
    config = {
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

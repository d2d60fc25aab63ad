"""Explicit runtime settings: database location and DuckDB resources, from options then environment."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from analyzer.errors import ConfigError

if TYPE_CHECKING:
    import duckdb

DEFAULT_DB = "analyzer.duckdb"
DEMO_DB = "analyzer-demo.duckdb"
CACHE_ENV = "ANALYZER_CACHE_DIR"


def cache_dir() -> Path:
    """Where analyzer keeps what it can rebuild (empty-database templates, the bulk lookup's point
    files): `$ANALYZER_CACHE_DIR`, else `$XDG_CACHE_HOME/analyzer` (~/.cache/analyzer)."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "analyzer"


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
    import duckdb  # here: the bulk lookup of plain addresses runs without it (analyzer.lookup_file)

    return duckdb.connect(path, read_only=read_only, config=duckdb_config())


# -- chains across snapshots ----------------------------------------------------------------
# A CNAME/MX/NS target with no record in its own DNS snapshot is followed in the nearest snapshot
# within this many days (sql/23_dns_chain_window_days.sql holds the default; 0 turns it off).
CHAIN_WINDOW_ENV = "ANALYZER_CHAIN_WINDOW_DAYS"


def check_chain_window(days: int, where: str = "--chain-window-days") -> int:
    """A window of whole days >= 0, else a ConfigError naming where it came from."""
    if days < 0:
        raise ConfigError(f"{where} is {days}, expected a whole number of days >= 0 (0 turns it off)")
    return days


def chain_window_env() -> int | None:
    """$ANALYZER_CHAIN_WINDOW_DAYS as days, None when unset."""
    value = os.environ.get(CHAIN_WINDOW_ENV, "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise ConfigError(
            f"{CHAIN_WINDOW_ENV} is {value[:80]!r}, expected a whole number of days >= 0 (0 turns it off)"
        )
    return check_chain_window(int(value), CHAIN_WINDOW_ENV)


# -- input caps (decompression bombs, runaway files) -------------------------------------------
# Largest input per kind, in bytes after decompression; `ANALYZER_MAX_INPUT_<KIND>` (e.g.
# ANALYZER_MAX_INPUT_DNS=500G) or `ANALYZER_MAX_INPUT` (every kind) override them.
INPUT_CAPS: dict[str, int] = {
    "csl": 2 << 30,
    "watchlist": 1 << 30,
    "ranges": 1 << 30,
    "pfx2as": 8 << 30,
    "ip2asn": 8 << 30,
    "as2org": 4 << 30,
    "ct": 64 << 30,
    "dns": 1 << 40,
}
DEFAULT_INPUT_CAP = 8 << 30
# A compressed file whose first MiB inflates more than this many times is refused as a bomb
# (real data: 3x to 15x); `ANALYZER_MAX_RATIO` overrides it.
MAX_RATIO = 100
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def _size(name: str, text: str) -> int:
    m = re.fullmatch(r"\s*(\d+)\s*([KMGT]?)i?B?\s*", text, re.IGNORECASE)
    if not m:
        raise ConfigError(f"{name} is {text!r}, expected a size such as 500M or 2G")
    return int(m[1]) * _UNITS[m[2].upper()]


def input_cap(kind: str) -> int:
    """Bytes (decompressed) a file of `kind` may hold before it is refused."""
    for name in (f"ANALYZER_MAX_INPUT_{kind.upper()}", "ANALYZER_MAX_INPUT"):
        value = os.environ.get(name)
        if value:
            return _size(name, value)
    return INPUT_CAPS.get(kind, DEFAULT_INPUT_CAP)


def max_ratio() -> float:
    value = os.environ.get("ANALYZER_MAX_RATIO")
    if not value:
        return MAX_RATIO
    try:
        ratio = float(value)
    except ValueError:
        raise ConfigError(f"ANALYZER_MAX_RATIO is {value!r}, expected a number such as 100") from None
    return ratio

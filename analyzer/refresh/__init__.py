"""`analyzer refresh`: scripted, verified downloads of the official datasets, with provenance.

registry (datasets/sources.yaml) -> resolve (listings, nearest dates) -> http (verified download)
-> cache (dated files + sidecars, lock) -> checks (bounds, shrink) -> ingest (one transaction per file).
"""

from __future__ import annotations

from analyzer.cache import Cache, RefreshLocked, data_dir
from analyzer.refresh.http import DownloadError, Fetcher, HttpPolicy
from analyzer.refresh.registry import Source, load_sources, select
from analyzer.refresh.run import (
    EXIT_FAILED,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_PARTIAL,
    Outcome,
    RefreshOptions,
    RunReport,
    refresh,
    refresh_datasets,
)
from analyzer.refresh.status import cache_status

__all__ = [
    "EXIT_FAILED",
    "EXIT_LOCKED",
    "EXIT_OK",
    "EXIT_PARTIAL",
    "Cache",
    "DownloadError",
    "Fetcher",
    "HttpPolicy",
    "Outcome",
    "RefreshLocked",
    "RefreshOptions",
    "RunReport",
    "Source",
    "cache_status",
    "data_dir",
    "load_sources",
    "refresh",
    "refresh_datasets",
    "select",
]

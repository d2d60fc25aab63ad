"""`analyzer datasets --cache`: per registry dataset, what is cached, whether it is loaded, and staleness."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from analyzer.cache import Cache, data_dir
from analyzer.refresh.registry import Source, load_sources
from analyzer.workspace import Workspace


def cache_status(
    cache: Cache, sources: list[Source], ws: Workspace | None, now: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """One row per dataset: newest cached copy, its checks, the loaded dataset_id, and `stale`."""
    now = now or dt.datetime.now(dt.UTC)
    loaded: dict[str, int] = {}
    if ws is not None:
        for row in ws.rows(
            "select sha256, max(dataset_id) as id from datasets where status = 'loaded' group by 1"
        ):
            loaded[row["sha256"]] = row["id"]
    rows = []
    for source in sources:
        entries = cache.entries(source.id)
        usable = [e for e in entries if e.status == "ok"]
        newest = usable[-1] if usable else None
        last = entries[-1] if entries else None
        if newest is None:
            freshness = "never fetched"
        else:
            freshness = "stale" if (now - newest.checked).days > source.frequency_days else "fresh"
        same_day = [e for e in usable if newest and e.date == newest.date]
        rows.append(
            {
                "dataset": source.id,
                "kind": source.kind or "-",
                "cached_date": newest.date if newest else None,
                "files": len(same_day),
                "bytes": sum(e.bytes for e in same_day) if newest else None,
                "rows": newest.rows if newest else None,
                "checked_at": newest.checked_at if newest else None,
                "loaded": ", ".join(str(loaded[e.sha256]) for e in same_day if e.sha256 in loaded) or None,
                "stale": freshness,
                "frequency_days": source.frequency_days,
                "last_problem": last.message if last and last.status != "ok" else None,
            }
        )
    return rows


def cache_report(ws: Workspace | None, data_dir_option: str | Path | None = None) -> list[dict[str, Any]]:
    """`cache_status` for the registry and the data directory the CLI would use."""
    return cache_status(Cache(data_dir(data_dir_option)), list(load_sources().values()), ws)

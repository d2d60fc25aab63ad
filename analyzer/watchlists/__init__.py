"""Watchlists: the US Consolidated Screening List (csl), users' own lists (user_lists), how their
entries are written (entries) and queried (entities). Registers the `csl` and `watchlist` kinds."""

from __future__ import annotations

from analyzer.ingest import register_kind
from analyzer.watchlists import csl, user_lists

register_kind("csl", csl.ingest)
register_kind("watchlist", user_lists.ingest)

"""Certificate organisations to watchlist entities: candidates joined in SQL, scored in Python.

A certificate's subject O and an entity's name or alias are compared by their match keys
(analyzer.names.match_key: sorted significant tokens, legal forms, generic words and Chinese place
names removed). Equal keys are a `high` match; otherwise rapidfuzz's token_sort_ratio of the keys,
at or above the threshold, is a `medium` match with its score. Only pairs sharing a token prefix
(names.match_blocks) are ever scored. The result is the table ct_entity_matches, recomputed after
every ingest that changed the watchlists or the certificates (and when the threshold changes).
"""

from __future__ import annotations

import hashlib
import os

import pyarrow as pa

from analyzer import attribution
from analyzer.ct import caches
from analyzer.errors import ConfigError
from analyzer.meta import get_meta, set_meta
from analyzer.names import match_blocks, match_key
from analyzer.workspace import Workspace

DEFAULT_THRESHOLD = 90.0
THRESHOLD_ENV = "ANALYZER_CT_FUZZY_THRESHOLD"
_STATE_KEY = "ct_match_state"
_THRESHOLD_KEY = "ct_match_threshold"


def resolve_threshold(ws: Workspace, threshold: float | None = None) -> float:
    """The explicit value, else $ANALYZER_CT_FUZZY_THRESHOLD, else the last one used, else 90."""
    if threshold is None:
        env = os.environ.get(THRESHOLD_ENV)
        if env:
            try:
                threshold = float(env)
            except ValueError:
                raise ConfigError(f"{THRESHOLD_ENV} is {env!r}, expected a number 0-100") from None
    if threshold is None:
        stored = get_meta(ws.con, _THRESHOLD_KEY)
        threshold = float(stored) if stored else DEFAULT_THRESHOLD
    if not 0 < threshold <= 100:
        raise ConfigError(f"fuzzy threshold {threshold} is outside 0-100 (exclusive of 0)")
    return threshold


def _state(ws: Workspace, threshold: float) -> str:
    """What the matches depend on: loaded watchlist and CT datasets, and the threshold."""
    row = ws.con.execute(
        "select string_agg(dataset_id::varchar || status, ',' order by dataset_id) from datasets "
        "where kind in ('csl', 'watchlist', 'ct')"
    ).fetchall()
    text = f"{threshold}|{row[0][0] if row else ''}"
    return hashlib.sha256(text.encode()).hexdigest()


def score(entity_key: str, org_key: str) -> tuple[float, str | None]:
    """(score 0-100, confidence) of an organisation key against an entity key."""
    if entity_key == org_key:
        return 100.0, "high"
    from rapidfuzz import fuzz  # here: only the CT match needs it, not every command's start-up

    return float(fuzz.token_sort_ratio(entity_key, org_key)), None


def refresh_matches(ws: Workspace, threshold: float | None = None) -> int:
    """`analyzer ct-match`: recompute ct_entity_matches, then the stored attribution that depends on
    them; returns the number of (entity, organisation) matches."""
    matches = _recompute(ws, resolve_threshold(ws, threshold))
    attribution.ensure(ws)
    return matches


def _recompute(ws: Workspace, threshold: float) -> int:
    """Recompute ct_entity_matches at `threshold` in one transaction."""
    con = ws.con
    names = con.execute("select entity_id, name, name_kind from entity_names").fetchall()
    with ws.transaction():
        caches.fill_org_names(con, "select distinct subject_o from raw_certificates")
        caches.fill_name_domains(con, "select domain as name from entity_known_domains")
        con.execute("delete from ct_entity_matches")
        has_orgs = con.execute("select count(*) from ct_org_names").fetchall()[0]
        matches: list[tuple[str, str, str, str, str, float]] = []
        if names and has_orgs and has_orgs[0]:
            keys = [match_key(n[1]) for n in names]
            table = pa.table(
                {
                    "entity_id": [n[0] for n in names],
                    "name": [n[1] for n in names],
                    "name_kind": [n[2] for n in names],
                    "match_key": keys,
                    "blocks": [match_blocks(k) for k in keys],
                }
            )
            con.register("_ct_entity_keys", table)
            try:
                candidates = con.execute(
                    "select entity_id, name, name_kind, entity_key, subject_o, org_key "
                    "from ct_match_candidates('_ct_entity_keys')"
                ).fetchall()
            finally:
                con.unregister("_ct_entity_keys")
            best: dict[tuple[str, str], tuple[str, str, str, str, str, float]] = {}
            for entity_id, name, kind, ekey, subject_o, okey in candidates:
                value, confidence = score(ekey, okey)
                if confidence is None and value >= threshold:
                    confidence = "medium"
                if confidence is None:
                    continue
                pair = (entity_id, subject_o)
                if pair not in best or value > best[pair][5]:
                    best[pair] = (entity_id, subject_o, name, kind, confidence, value)
            matches = list(best.values())
        if matches:
            con.executemany(
                "insert into ct_entity_matches values (?, ?, ?, ?, ?, ?, ?)",
                [(*m, threshold) for m in matches],
            )
        for key, text in ((_STATE_KEY, _state(ws, threshold)), (_THRESHOLD_KEY, str(threshold))):
            set_meta(con, key, text)
    return len(matches)


def refresh_if_stale(ws: Workspace) -> bool:
    """Recompute the matches when watchlists, certificates or the threshold changed (after every
    ingest, and before `analyzer domains` reads them); the stored attribution is left to the caller."""
    threshold = resolve_threshold(ws)
    if get_meta(ws.con, _STATE_KEY) == _state(ws, threshold):
        return False
    _recompute(ws, threshold)
    return True

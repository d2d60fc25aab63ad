"""The provider catalog: hand-curated files merged with the peer-derived ones, loaded into tables.

Two layers. Hand-curated: `datasets/providers.yaml` and `datasets/providers.d/*.yaml`. Peer:
`datasets/providers.d/peers/*.yaml`, written by `scripts/import_peer_catalogs.py` from other projects'
data (cdncheck, cloudcheck). Hand-curated wins: for one id its scalars (name, parent, country,
kinds, source) are kept and the lists (ASNs, hostname patterns) are unioned; a hostname pattern or
ASN a hand-curated provider claims is dropped from any other provider's peer entry, and counted
(`Catalog.dropped`), so one (service, pattern) or ASN never names two providers because of a peer.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from analyzer import labels
from analyzer.errors import ConfigError
from analyzer.meta import get_meta, set_meta
from analyzer.resources import catalog_files, datasets_dir, hand_files, peer_files

if TYPE_CHECKING:
    import duckdb

# Bump when the loader writes the tables differently, so unchanged files are still reloaded.
LOADER_VERSION = "2"
# Scalars of an entry; the first layer that has one wins. `kinds` is a classification the views
# read (a CDN-only provider's addresses are `cdn`), so it is a scalar here, not a list to union.
SCALARS = ("name", "parent", "country", "kinds", "source", "relationship")


@dataclass(frozen=True)
class Pattern:
    provider_id: str
    service: str
    pattern: str
    match_kind: str  # suffix | regex
    relationship: str
    source: str  # catalog file, relative to datasets/
    waf: bool = False  # the namespace is a web application firewall's (service stays `cdn`)


@dataclass(frozen=True)
class Dropped:
    """A peer claim left out because another provider (hand-curated or an earlier peer file) has it."""

    what: str  # "hostname" | "asn"
    service: str | None
    value: str  # the pattern, or the ASN as text
    provider_id: str  # the peer entry that lost the claim
    kept_by: str
    source: str


@dataclass
class Catalog:
    providers: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources: dict[str, list[str]] = field(default_factory=dict)  # id -> catalog files
    hostnames: list[Pattern] = field(default_factory=list)
    asns: list[tuple[str, int, str]] = field(default_factory=list)
    ca_names: list[tuple[str, str]] = field(default_factory=list)
    tokens: list[tuple[str, str, str]] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


# libyaml's safe loader when PyYAML was built with it (its wheels are): the peer files are large.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _entries(path: Path) -> list[dict[str, Any]]:
    """The provider entries of one file, checked for the fields every entry needs."""
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    seen: set[str] = set()
    entries = doc.get("providers") or []
    for i, entry in enumerate(entries, start=1):
        pid = entry.get("id")
        if not pid or not entry.get("name"):
            raise ConfigError(f"{path}: provider #{i} needs an id and a name")
        if pid in seen:
            raise ConfigError(f"{path}: provider id {pid!r} is defined twice")
        seen.add(pid)
        for service in entry.get("hostnames") or {}:
            if service not in labels.HOSTNAME_SERVICES:
                raise ConfigError(
                    f"{path}: provider {pid!r} has hostnames for unknown service {service!r}; "
                    f"expected one of {', '.join(labels.HOSTNAME_SERVICES)}"
                )
    return entries


def _patterns(value: Any) -> list[tuple[str, str, bool]]:
    """Hostname patterns: "suffix.example", {regex: "..."} or {suffix: "...", waf: true}."""
    out = []
    for item in value or []:
        if isinstance(item, dict) and "regex" in item:
            out.append((str(item["regex"]), "regex", bool(item.get("waf"))))
        elif isinstance(item, dict):
            out.append((_suffix(item.get("suffix")), "suffix", bool(item.get("waf"))))
        else:
            out.append((_suffix(item), "suffix", False))
    return out


def _suffix(value: Any) -> str:
    return str(value).lower().strip(".").removeprefix("*.")


def build_catalog(
    hand: list[Path] | None = None, peers: list[Path] | None = None, root: Path | None = None
) -> Catalog:
    """Merge the layers: hand-curated files (an id in two of them is an error), then peer files."""
    root = root or datasets_dir()
    hand = [p for p in (hand if hand is not None else hand_files(root)) if p.exists()]
    peers = [p for p in (peers if peers is not None else peer_files(root)) if p.exists()]
    cat = Catalog()
    hand_ids: dict[str, Path] = {}
    claims: dict[tuple[str, str], str] = {}  # (service, pattern) -> the provider that has it
    asn_claims: dict[int, str] = {}
    for layer, files in (("hand", hand), ("peer", peers)):
        for path in files:
            rel = _relative(path, root)
            for entry in _entries(path):
                pid = entry["id"]
                if layer == "hand":
                    if pid in hand_ids:
                        raise ConfigError(
                            f"{path}: provider id {pid!r} is defined twice (also in {hand_ids[pid]})"
                        )
                    hand_ids[pid] = path
                _merge_scalars(cat, pid, entry, rel)
                relationship = entry.get("relationship", "customer")
                for service, pats in (entry.get("hostnames") or {}).items():
                    for pattern, kind, waf in _patterns(pats):
                        # hand-curated claims are all kept (the lint test reports two owners);
                        # a peer claim loses to any earlier owner: hand-curated, or an earlier peer file
                        owner = claims.setdefault((service, pattern), pid)
                        if layer == "peer" and owner != pid:
                            cat.dropped.append(Dropped("hostname", service, pattern, pid, owner, rel))
                            continue
                        cat.hostnames.append(Pattern(pid, service, pattern, kind, relationship, rel, waf))
                for value in entry.get("asns") or []:
                    asn = int(value)
                    owner = asn_claims.setdefault(asn, pid)
                    if layer == "peer" and owner != pid:
                        cat.dropped.append(Dropped("asn", None, str(asn), pid, owner, rel))
                        continue
                    cat.asns.append((pid, asn, rel))
                cat.ca_names.extend((pid, str(p)) for p in entry.get("ca_names") or [])
                for token in entry.get("verification_tokens") or []:
                    cat.tokens.append((pid, str(token["prefix"]), str(token.get("service", "web_hosting"))))
    cat.hostnames = _dedupe(cat.hostnames)
    first_asns: dict[tuple[str, int], tuple[str, int, str]] = {}
    for row in cat.asns:
        first_asns.setdefault((row[0], row[1]), row)
    cat.asns = list(first_asns.values())
    return cat


def _merge_scalars(cat: Catalog, pid: str, entry: dict[str, Any], rel: str) -> None:
    merged = cat.providers.setdefault(pid, {"id": pid})
    for key in SCALARS:
        if merged.get(key) is None and entry.get(key) is not None:
            merged[key] = entry[key]
    if entry.get("peer"):
        merged.setdefault("peer", []).append(entry["peer"])
    cat.sources.setdefault(pid, []).append(rel)


def _dedupe(patterns: list[Pattern]) -> list[Pattern]:
    """One row per (provider, service, pattern): the first layer's, a WAF flag from any layer."""
    out: dict[tuple[str, str, str], Pattern] = {}
    for p in patterns:
        key = (p.provider_id, p.service, p.pattern)
        if key not in out:
            out[key] = p
        elif p.waf and not out[key].waf:
            q = out[key]
            out[key] = Pattern(
                q.provider_id, q.service, q.pattern, q.match_kind, q.relationship, q.source, True
            )
    return list(out.values())


def read_catalog(files: list[Path] | None = None) -> list[dict[str, Any]]:
    """The merged provider entries (ids and scalars); `files` limits it to those hand-curated files."""
    cat = build_catalog() if files is None else build_catalog(hand=files, peers=[])
    return list(cat.providers.values())


def catalog_digest(files: list[Path]) -> str:
    h = hashlib.sha256(LOADER_VERSION.encode())
    for f in files:
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def load_catalog(con: duckdb.DuckDBPyConnection, *, force: bool = False, root: Path | None = None) -> bool:
    """Replace the catalog tables when the catalog files changed; returns whether it loaded.
    `root` is the datasets/ folder (default: the shipped one)."""
    files = catalog_files(root)
    digest = catalog_digest(files)
    if get_meta(con, "catalog_digest") == digest and not force:
        return False
    cat = build_catalog(root=root)
    providers = [
        (
            pid,
            e.get("name") or pid,
            e.get("parent") or e.get("name") or pid,
            e.get("country"),
            e.get("kinds") or [],
            e.get("source"),
            cat.sources.get(pid, []),
            sorted({n for p in e.get("peer") or [] for n in p.get("names") or []}),
        )
        for pid, e in cat.providers.items()
    ]
    hostnames = [
        (p.provider_id, p.service, p.pattern, p.match_kind, p.relationship, p.source, p.waf)
        for p in cat.hostnames
    ]
    statements = (
        (
            "catalog_providers (provider_id, name, parent, country, kinds, source_url, sources, peer_names)",
            providers,
        ),
        ("catalog_asns (provider_id, asn, source)", cat.asns),
        (
            "catalog_hostnames (provider_id, service, pattern, match_kind, relationship, source, waf)",
            hostnames,
        ),
        ("catalog_ca_names (provider_id, pattern)", cat.ca_names),
        ("catalog_verification (provider_id, prefix, service)", cat.tokens),
    )
    con.begin()
    try:
        for target, rows in statements:
            table, columns = target.split(" ", 1)
            con.execute(f"delete from {table}")  # noqa: S608 - fixed table names
            if rows:  # one insert from Arrow columns: executemany costs a statement per row
                import pyarrow as pa  # only when the catalog changes: a command that reads never loads it

                names = columns.strip("()").split(", ")
                con.register(
                    "_catalog_rows", pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})
                )
                try:
                    con.execute(f"insert into {target} select * from _catalog_rows")  # noqa: S608
                finally:
                    con.unregister("_catalog_rows")
        set_meta(con, "catalog_digest", digest)
        set_meta(con, "catalog_dropped_peer_claims", str(len(cat.dropped)))
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return True

"""The provider catalog: datasets/providers.yaml (and any datasets/providers.d/*.yaml) into tables."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import duckdb
import yaml

from analyzer import labels
from analyzer.errors import ConfigError
from analyzer.resources import datasets_dir
from analyzer.workspace import first_row


def catalog_files() -> list[Path]:
    root = datasets_dir()
    return [root / "providers.yaml", *sorted((root / "providers.d").glob("*.yaml"))]


def read_catalog(files: list[Path] | None = None) -> list[dict[str, Any]]:
    """Provider entries from every catalog file; the same id in two files is an error."""
    entries: dict[str, dict[str, Any]] = {}
    for path in files or catalog_files():
        if not path.exists():
            continue
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
        for i, entry in enumerate(doc.get("providers") or [], start=1):
            pid = entry.get("id")
            if not pid or not entry.get("name"):
                raise ConfigError(f"{path}: provider #{i} needs an id and a name")
            if pid in entries:
                raise ConfigError(f"{path}: provider id {pid!r} is defined twice")
            for service in entry.get("hostnames") or {}:
                if service not in labels.HOSTNAME_SERVICES:
                    raise ConfigError(
                        f"{path}: provider {pid!r} has hostnames for unknown service {service!r}; "
                        f"expected one of {', '.join(labels.HOSTNAME_SERVICES)}"
                    )
            entries[pid] = entry
    return list(entries.values())


def _patterns(value: Any) -> list[tuple[str, str]]:
    """A hostname pattern: "suffix.example" or {regex: "..."}."""
    out = []
    for item in value or []:
        if isinstance(item, dict) and "regex" in item:
            out.append((str(item["regex"]), "regex"))
        else:
            out.append((str(item).lower().strip(".").removeprefix("*."), "suffix"))
    return out


def load_catalog(con: duckdb.DuckDBPyConnection, *, force: bool = False) -> bool:
    """Replace the catalog tables when the catalog files changed; returns whether it loaded."""
    files = [f for f in catalog_files() if f.exists()]
    digest = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()
    row = first_row(con.execute("select value from analyzer_meta where key = 'catalog_digest'"))
    if row and row[0] == digest and not force:
        return False
    entries = read_catalog(files)
    providers, asns, hostnames, cas, tokens = [], [], [], [], []
    for e in entries:
        pid = e["id"]
        providers.append(
            (
                pid,
                e["name"],
                e.get("parent") or e["name"],
                e.get("country"),
                e.get("kinds") or [],
                e.get("source"),
            )
        )
        asns.extend((pid, int(a)) for a in e.get("asns") or [])
        rel = e.get("relationship", "customer")
        for service, pats in (e.get("hostnames") or {}).items():
            hostnames.extend((pid, service, p, kind, rel) for p, kind in _patterns(pats))
        cas.extend((pid, str(p)) for p in e.get("ca_names") or [])
        for token in e.get("verification_tokens") or []:
            tokens.append((pid, str(token["prefix"]), str(token.get("service", "web_hosting"))))
    con.begin()
    try:
        tables = (
            "catalog_providers",
            "catalog_asns",
            "catalog_hostnames",
            "catalog_ca_names",
            "catalog_verification",
        )
        for table in tables:
            con.execute(f"delete from {table}")  # noqa: S608 - fixed table names
        if providers:
            con.executemany("insert into catalog_providers values (?, ?, ?, ?, ?, ?)", providers)
        if asns:
            con.executemany("insert into catalog_asns values (?, ?)", asns)
        if hostnames:
            con.executemany("insert into catalog_hostnames values (?, ?, ?, ?, ?)", hostnames)
        if cas:
            con.executemany("insert into catalog_ca_names values (?, ?)", cas)
        if tokens:
            con.executemany("insert into catalog_verification values (?, ?, ?)", tokens)
        con.execute(
            "insert or replace into analyzer_meta (key, value) values ('catalog_digest', ?)",
            [digest],
        )
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return True

"""The refresh registry: `datasets/sources.yaml` read into typed entries, URL templates filled in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from analyzer.errors import ConfigError
from analyzer.resources import datasets_dir

RESOLVERS = ("static", "azure_page", "caida_pfx2as", "caida_as2org", "openintel", "crtsh")
FORMATS = ("json", "csv", "text", "tsv.gz", "pfx2as.gz", "jsonl.gz", "parquet", "psl")

# Accepted Content-Type prefixes when an entry names none; text/html is an error page, never data.
DEFAULT_CONTENT_TYPES: dict[str, tuple[str, ...]] = {
    "json": ("application/json", "text/json", "text/plain", "application/octet-stream"),
    "csv": ("text/csv", "text/plain", "application/csv", "application/octet-stream"),
    "text": ("text/plain", "application/octet-stream"),
    "psl": ("text/plain", "application/octet-stream"),
    "tsv.gz": ("application/gzip", "application/x-gzip", "application/octet-stream"),
    "pfx2as.gz": ("application/gzip", "application/x-gzip", "application/octet-stream"),
    "jsonl.gz": ("application/gzip", "application/x-gzip", "application/octet-stream"),
    "parquet": (
        "application/octet-stream",
        "binary/octet-stream",
        "application/vnd.apache.parquet",
        "application/x-parquet",
    ),
}


@dataclass(frozen=True)
class Source:
    """One dataset `analyzer refresh` knows how to fetch, check and ingest."""

    id: str
    publisher: str
    url: str
    format: str
    kind: str | None
    licence: str
    frequency_days: int
    resolve: str = "static"
    index: str | None = None
    options: dict[str, Any] = field(default_factory=dict)  # handed to ingest (provider, source)
    bytes_bounds: tuple[int, int] | None = None
    rows_bounds: tuple[int, int] | None = None
    count: tuple[str, ...] = ()
    header: bool = True
    content_types: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def max_bytes(self) -> int | None:
        return self.bytes_bounds[1] if self.bytes_bounds else None

    @property
    def accepted_types(self) -> tuple[str, ...]:
        return self.content_types or DEFAULT_CONTENT_TYPES.get(self.format, ())

    def url_for(self, date: dt.date, **values: str) -> str:
        """The URL template with the date (and any other placeholder) filled in."""
        return fill(self.url, date, **values)

    def index_for(self, date: dt.date) -> str | None:
        return fill(self.index, date) if self.index else None


def fill(template: str, date: dt.date, **values: str) -> str:
    try:
        return template.format(date=date, **values)
    except (KeyError, ValueError, IndexError) as exc:
        raise ConfigError(f"URL template {template!r} cannot be filled: {exc}") from None


def _bounds(entry: dict[str, Any], key: str, where: str) -> tuple[int, int] | None:
    value = entry.get(key)
    if value is None:
        return None
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value)):
        raise ConfigError(f"{where}: {key} must be [min, max] whole numbers, got {value!r}")
    return (value[0], value[1])


def _source(entry: dict[str, Any], where: str) -> Source:
    missing = [k for k in ("id", "publisher", "url", "format", "licence", "frequency") if k not in entry]
    if missing:
        raise ConfigError(f"{where}: missing {', '.join(missing)}")
    resolve = entry.get("resolve", "static")
    if resolve not in RESOLVERS:
        raise ConfigError(f"{where}: resolve {resolve!r} is not one of {', '.join(RESOLVERS)}")
    if entry["format"] not in FORMATS:
        raise ConfigError(f"{where}: format {entry['format']!r} is not one of {', '.join(FORMATS)}")
    known = {
        "id", "publisher", "url", "format", "kind", "licence", "frequency", "resolve", "index",
        "options", "bytes", "rows", "count", "header", "content_types",
    }  # fmt: skip
    return Source(
        id=str(entry["id"]),
        publisher=str(entry["publisher"]),
        url=str(entry["url"]),
        format=str(entry["format"]),
        kind=entry.get("kind"),
        licence=str(entry["licence"]),
        frequency_days=int(entry["frequency"]),
        resolve=resolve,
        index=entry.get("index"),
        options=dict(entry.get("options") or {}),
        bytes_bounds=_bounds(entry, "bytes", where),
        rows_bounds=_bounds(entry, "rows", where),
        count=tuple(entry.get("count") or ()),
        header=bool(entry.get("header", True)),
        content_types=tuple(entry.get("content_types") or ()),
        extra={k: v for k, v in entry.items() if k not in known},
    )


def load_sources(path: Path | None = None) -> dict[str, Source]:
    """All registry entries by id, in file order."""
    path = path or datasets_dir() / "sources.yaml"
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read the refresh registry {path}: {exc}") from exc
    entries = (doc or {}).get("sources")
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: expected a top-level `sources:` list")
    sources: dict[str, Source] = {}
    for n, entry in enumerate(entries, 1):
        where = f"{path} entry {n}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: expected a mapping")
        source = _source(entry, where)
        if source.id in sources:
            raise ConfigError(f"{where}: duplicate id {source.id!r}")
        sources[source.id] = source
    return sources


def select(sources: dict[str, Source], ids: list[str] | None) -> list[Source]:
    """The named entries (all when none are named); an unknown name lists the known ones."""
    if not ids:
        return list(sources.values())
    unknown = [i for i in ids if i not in sources]
    if unknown:
        raise ConfigError(
            f"unknown dataset {', '.join(map(repr, unknown))}; expected one of: {', '.join(sources)}"
        )
    return [sources[i] for i in dict.fromkeys(ids)]

"""From a registry entry and a date to the concrete files to fetch (reading listings where needed)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from analyzer.cache import safe_name
from analyzer.errors import ConfigError
from analyzer.refresh.http import DownloadError, Fetcher
from analyzer.refresh.registry import Source

_AZURE = re.compile(r"https://download\.microsoft\.com/download/[^\"'<>\s]+?ServiceTags_Public_(\d{8})\.json")
_PFX2AS = re.compile(r"(\d{4}/\d{2}/routeviews-rv[26]-(\d{8})-(\d{4})\.pfx2as\.gz)")
_AS2ORG = re.compile(r"(\d{8})\.as-org2info\.(jsonl|txt)\.gz")
_S3 = "{http://s3.amazonaws.com/doc/2006-03-01/}"


class NothingPublished(DownloadError):
    """The listing for a date holds no file: a day upstream did not publish (or not yet)."""


@dataclass
class Item:
    """One file to fetch: its URL, the cache file name, the date it describes, ingest options."""

    url: str
    filename: str
    date: dt.date
    snapshot: dt.date | None = None  # passed to ingest as the snapshot date when the URL fixes it
    options: dict[str, Any] = field(default_factory=dict)
    note: str = ""


def _basename(url: str) -> str:
    return safe_name(urlsplit(url).path.rsplit("/", 1)[-1])


def _date8(text: str) -> dt.date:
    return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def resolve(
    source: Source,
    date: dt.date,
    fetcher: Fetcher | None,
    *,
    url: str | None = None,
    entities: list[tuple[str, str, str]] | None = None,
) -> list[Item]:
    """The files of `source` for `date`; with no fetcher (dry run) listings are not read."""
    if url:
        return [Item(url, _basename(url) or source.id, date, note="given with --url")]
    if source.resolve == "static":
        target = source.url_for(date)
        dated = target != source.url
        return [Item(target, _basename(target) or source.id, date, snapshot=date if dated else None)]
    if source.resolve == "crtsh":
        return _crtsh(source, date, entities)
    index = source.index_for(date)
    assert index is not None, f"{source.id}: resolver {source.resolve} needs an index"
    if fetcher is None:
        guess = source.url_for(date)
        return [Item(guess, _basename(guess), date, note=f"resolved when fetching, from {index}")]
    text = fetcher.get_text(index)
    if source.resolve == "azure_page":
        return [_azure(source, date, index, text)]
    if source.resolve == "caida_pfx2as":
        return [_pfx2as(source, date, index, text)]
    if source.resolve == "caida_as2org":
        return [_as2org(source, date, index, text)]
    if source.resolve == "openintel":
        return _openintel(source, date, index, text, fetcher)
    raise ConfigError(f"{source.id}: unknown resolver {source.resolve!r}")  # pragma: no cover


def _azure(source: Source, date: dt.date, index: str, page: str) -> Item:
    found = {m.group(0): _date8(m.group(1)) for m in _AZURE.finditer(page)}
    if not found:
        raise DownloadError(
            index,
            "no ServiceTags_Public_YYYYMMDD.json link on the download page (its layout changed?); "
            "give the file's URL with --url",
        )
    target, published = max(found.items(), key=lambda kv: (kv[1], kv[0]))
    return Item(target, _basename(target), date, snapshot=published, note=f"found on {index}")


def _nearest(candidates: dict[str, dt.date], date: dt.date) -> tuple[str, dt.date]:
    # Nearest by days; on a tie the earlier file (data that existed on the date asked for).
    return min(candidates.items(), key=lambda kv: (abs((kv[1] - date).days), kv[1], kv[0]))


def _pfx2as(source: Source, date: dt.date, index: str, text: str) -> Item:
    files = {m.group(1): _date8(m.group(2)) for m in _PFX2AS.finditer(text)}
    if not files:
        raise DownloadError(index, "no routeviews-rv*-YYYYMMDD-HHMM.pfx2as.gz file named in the listing")
    path, day = _nearest(files, date)
    target = urljoin(index, path)
    note = f"nearest file to {date}: {day}" + (f" ({(day - date).days:+d} days)" if day != date else "")
    return Item(target, _basename(target), date, snapshot=day, note=note)


def _as2org(source: Source, date: dt.date, index: str, text: str) -> Item:
    files: dict[str, tuple[dt.date, int]] = {}
    for m in _AS2ORG.finditer(text):
        files[m.group(0)] = (_date8(m.group(1)), 1 if m.group(2) == "jsonl" else 0)
    if not files:
        raise DownloadError(index, "no YYYYMMDD.as-org2info.(jsonl|txt).gz file in the listing")
    # The latest release on or before the date (the newest when all are later); jsonl before txt.
    on_or_before = {k: v for k, v in files.items() if v[0] <= date} or files
    name, (day, _) = max(on_or_before.items(), key=lambda kv: (kv[1], kv[0]))
    target = urljoin(index, name)
    return Item(target, name, date, snapshot=day, note=f"latest release on or before {date}: {day}")


def _openintel(source: Source, date: dt.date, index: str, text: str, fetcher: Fetcher) -> list[Item]:
    """S3 ListObjectsV2 pages -> one item per Parquet object of the day."""
    parts = urlsplit(index)
    bucket_url = urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/") + "/", "", ""))
    query = dict(parse_qsl(parts.query))
    keys: list[str] = []
    for _ in range(1000):  # a day has a handful of pages at most
        try:
            root = ET.fromstring(text)  # an S3 listing from the configured https endpoint
        except ET.ParseError as exc:
            raise DownloadError(index, f"the bucket listing is not S3 XML: {exc}") from None
        ns = _S3 if root.tag.startswith(_S3) else ""
        keys += [k.text or "" for k in root.iter(f"{ns}Key")]
        token = root.findtext(f"{ns}NextContinuationToken")
        if root.findtext(f"{ns}IsTruncated") != "true" or not token:
            break
        text = fetcher.get_text(
            urlunsplit(parts._replace(query=urlencode({**query, "continuation-token": token})))
        )
    files = sorted(k for k in keys if k.endswith(".parquet"))
    if not files:
        raise NothingPublished(index, f"no Parquet files listed for {date} (not published yet?)")
    # No snapshot date from the partition folder: the rows' own `timestamp` dates the data.
    return [Item(urljoin(bucket_url, key), safe_name(key.rsplit("/", 1)[-1]), date) for key in files]


def _crtsh(source: Source, date: dt.date, entities: list[tuple[str, str, str]] | None) -> list[Item]:
    """One organisation query per entity name and one identity query per known domain."""
    if entities is None:
        lists = ", ".join(source.extra.get("lists") or ["all"])
        example = source.url_for(date, query=urlencode({"O": "ENTITY NAME"}))
        return [
            Item(example, "crtsh", date, note=f"one query per entity of lists {lists} (and per known domain)")
        ]
    items = []
    for entity_id, what, value in entities:
        param = {"O": value} if what == "name" else {"q": value}
        target = source.url_for(date, query=urlencode(param))
        digest = hashlib.sha256(f"{what}:{value}".encode()).hexdigest()[:10]
        name = f"{safe_name(f'{what}-{value}', 80)}-{digest}.json"
        items.append(
            Item(target, name, date, snapshot=date, options={"entity_id": entity_id, "query": param})
        )
    return items

"""Provider-published address ranges: AWS ip-ranges.json, Google cloud.json and goog.json, Azure
Service Tags, Oracle public_ip_ranges.json, Fastly public-ip-list, GitHub meta, RFC 8805 geofeeds and plain CIDR
lists (Cloudflare ips-v4/v6, Akamai, ...). Service and region are kept, and the file's own
publication date is the snapshot date. Several files of one provider live side by side, each
serving the observation dates nearest to its own; after each file the sets of files in effect
together get their disjoint intervals (sql/18, sql/19), where the most specific range owns an
address and every covering range is kept."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from analyzer.errors import SourceError
from analyzer.ingest.base import LoadContext, date_in_name, open_text, snapshot_of
from analyzer.network.prefixes import batched, parse_staged, reject_duplicates, stage
from analyzer.workspace import first_row

# A range entry: line/entry number, prefix text, service, region, detail, generic (a superset entry).
Entry = tuple[int, str, str | None, str | None, str | None, bool]


@dataclass
class Parsed:
    format: str
    provider_id: str | None
    published: dt.date | None
    entries: Iterator[Entry]
    date_source: str = "content"  # where `published` came from (ingest/base.py DATE_SOURCES)


def _date(text: Any, fmt: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(str(text)[: len(dt.datetime(2000, 1, 1).strftime(fmt))], fmt).date()
    except (TypeError, ValueError):
        return None


# Published JSON is data like any other: an element of the wrong JSON type becomes a rejected entry
# (its prefix text says what it was), a field of the wrong type an empty one; never a traceback.
def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _s(value: Any) -> str | None:
    """A JSON string or number as text; anything else (list, object, bool) as nothing."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _prefix(item: Any, *fields: str) -> str:
    """The prefix of an entry, or what the entry is when it is not an object with one."""
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        return next((p for f in fields if (p := _s(item.get(f)))), "")
    return f"(a JSON {type(item).__name__}, not an entry) {item!s:.40}"


def _aws(doc: dict[str, Any]) -> Parsed:
    def entries() -> Iterator[Entry]:
        n = 0
        for key, field in (("prefixes", "ip_prefix"), ("ipv6_prefixes", "ipv6_prefix")):
            for item in _list(doc.get(key)):
                n += 1
                service = _s(_obj(item).get("service"))
                yield (
                    n,
                    _prefix(item, field),
                    service,
                    _s(_obj(item).get("region")),
                    _s(_obj(item).get("network_border_group")),
                    service == "AMAZON",
                )

    return Parsed("aws_ip_ranges", "amazon", _date(doc.get("createDate"), "%Y-%m-%d-%H-%M-%S"), entries())


def _google(doc: dict[str, Any]) -> Parsed:
    prefixes = _list(doc.get("prefixes"))
    cloud = any("service" in p or "scope" in p for p in prefixes if isinstance(p, dict))

    def entries() -> Iterator[Entry]:
        for n, item in enumerate(prefixes, start=1):
            prefix = _prefix(item, "ipv4Prefix", "ipv6Prefix")
            yield (n, prefix, _s(_obj(item).get("service")), _s(_obj(item).get("scope")), None, not cloud)

    published = _date(doc.get("creationTime"), "%Y-%m-%dT%H:%M:%S")
    return Parsed("google_cloud_json" if cloud else "google_goog_json", "google", published, entries())


def _azure(doc: dict[str, Any], name: str) -> Parsed:
    def entries() -> Iterator[Entry]:
        n = 0
        for value in _list(doc.get("values")):
            props = _obj(_obj(value).get("properties"))
            system = _s(props.get("systemService")) or None
            for prefix in _list(props.get("addressPrefixes")):
                n += 1
                # AzureCloud(.region) has no systemService: it is the superset of the service tags.
                yield (
                    n,
                    _prefix(prefix),
                    system,
                    _s(props.get("region")) or None,
                    _s(_obj(value).get("name")),
                    system is None,
                )

    return Parsed("azure_service_tags", "microsoft", date_in_name(name), entries(), "file_name")


def _oracle(doc: dict[str, Any]) -> Parsed:
    def entries() -> Iterator[Entry]:
        n = 0
        for region in _list(doc.get("regions")):
            for cidr in _list(_obj(region).get("cidrs")):
                n += 1
                tags = ",".join(t for t in map(_s, _list(_obj(cidr).get("tags"))) if t) or None
                yield (n, _prefix(cidr, "cidr"), tags, _s(_obj(region).get("region")), None, False)

    published = _date(doc.get("last_updated_timestamp"), "%Y-%m-%dT%H:%M:%S")
    return Parsed("oracle_public_ip_ranges", "oracle", published, entries())


def _fastly(doc: dict[str, Any]) -> Parsed:
    def entries() -> Iterator[Entry]:
        n = 0
        for key in ("addresses", "ipv6_addresses"):
            for prefix in _list(doc.get(key)):
                n += 1
                yield (n, _prefix(prefix), None, None, None, False)

    return Parsed("fastly_public_ip_list", "fastly", None, entries())


def _github(doc: dict[str, Any]) -> Parsed:
    """GitHub's meta API (api.github.com/meta): one CIDR list per service (hooks, web, api, git,
    pages, actions, ...); ssh_keys, fingerprints and the domains object are not addresses."""

    def entries() -> Iterator[Entry]:
        n = 0
        for key, value in doc.items():
            if key == "ssh_keys" or not isinstance(value, list):
                continue
            for prefix in value:
                n += 1
                yield (n, _prefix(prefix), key, None, None, False)

    return Parsed("github_meta", "github", None, entries())


def _json_layout(ctx: LoadContext, doc: Any) -> Parsed:
    if isinstance(doc, dict):
        prefixes = doc.get("prefixes")
        if isinstance(prefixes, list) and "createDate" in doc:
            return _aws(doc)
        if isinstance(prefixes, list) and "creationTime" in doc:
            return _google(doc)
        if isinstance(doc.get("values"), list) and "changeNumber" in doc:
            return _azure(doc, ctx.path.name)
        if isinstance(doc.get("regions"), list) and "last_updated_timestamp" in doc:
            return _oracle(doc)
        if isinstance(doc.get("addresses"), list):
            return _fastly(doc)
        if isinstance(doc.get("hooks"), list) and "verifiable_password_authentication" in doc:
            return _github(doc)
    keys = ", ".join(list(doc)[:6]) if isinstance(doc, dict) else type(doc).__name__
    raise SourceError(
        ctx.path,
        f"unknown JSON layout (top-level keys: {keys}); expected AWS ip-ranges.json, Google "
        "cloud.json/goog.json, Azure Service Tags, Oracle public_ip_ranges.json, Fastly public-ip-list or GitHub meta",
    )


def _provider_for_text(ctx: LoadContext) -> str:
    """--provider, else a catalog provider id that is a word of the file name (cloudflare-v4.txt)."""
    given = ctx.options.get("provider")
    known = {r[0] for r in ctx.con.execute("select provider_id from catalog_providers").fetchall()}
    if given:
        if given not in known:
            raise SourceError(
                ctx.path, f"--provider {given!r} is not in the provider catalog (datasets/providers.yaml)"
            )
        return str(given)
    words = [w for w in re.split(r"[^a-z0-9]+", ctx.path.name.lower()) if w in known]
    if not words:
        raise SourceError(ctx.path, "a plain CIDR list or geofeed names no provider: pass --provider ID")
    return words[0]


def _text_lines(ctx: LoadContext) -> Iterator[tuple[int, str]]:
    with open_text(ctx.path) as fh:
        for n, raw in enumerate(fh, start=1):
            line = raw.strip()
            if line and not line.startswith("#"):
                yield n, line


def _text_layout(ctx: LoadContext, head: str) -> Parsed:
    first = next((ln for ln in head.splitlines() if ln.strip() and not ln.lstrip().startswith("#")), "")
    published = None
    m = re.search(r"Last modified:\s*(\d{4}-\d\d-\d\d)", head)
    if m:
        published = dt.date.fromisoformat(m[1])
    if "," in first:
        provider = _provider_for_text(ctx)

        def geofeed() -> Iterator[Entry]:
            # RFC 8805: ip_prefix,alpha2code,region,city,postal_code
            for n, line in _text_lines(ctx):
                f = [x.strip() for x in line.split(",")]
                region = f[2] if len(f) > 2 and f[2] else (f[1] if len(f) > 1 and f[1] else None)
                yield (n, f[0], None, region, f[3] if len(f) > 3 and f[3] else None, False)

        return Parsed("geofeed_csv", provider, published, geofeed())
    if first and len(first.split()) == 1:
        provider = _provider_for_text(ctx)

        def plain() -> Iterator[Entry]:
            for n, line in _text_lines(ctx):
                yield (n, line.split()[0] if len(line.split()) == 1 else line, None, None, None, False)

        return Parsed("cidr_list", provider, published, plain())
    raise SourceError(
        ctx.path,
        "unknown ranges format: expected provider JSON, an RFC 8805 geofeed CSV or one CIDR per line",
    )


def _batches(entries: Iterator[Entry]) -> Iterator[pa.Table]:
    for chunk in batched(entries):
        cols = list(zip(*chunk, strict=True))
        yield pa.table(
            {
                "line": pa.array(cols[0], pa.int64()),
                "prefix": pa.array(cols[1], pa.string()),
                "service": pa.array(cols[2], pa.string()),
                "region": pa.array(cols[3], pa.string()),
                "detail": pa.array(cols[4], pa.string()),
                "generic": pa.array(cols[5], pa.bool_()),
            }
        )


# A range set is numbered once: sets still in use keep their intervals, a new set gets the next id.
REBUILD_RANGE_SETS = (
    "delete from net_range_intervals where set_id not in "
    "(select s.set_id from net_range_sets as s inner join stg_range_sets using (set_key))",
    "delete from net_range_sets where set_key not in (select set_key from stg_range_sets)",
    "insert into net_range_sets "
    "select (select coalesce(max(set_id), 0) from net_range_sets) "
    "+ row_number() over (order by valid_from)::integer, set_key "
    "from stg_range_sets where set_key not in (select set_key from net_range_sets)",
    "insert into net_range_intervals by name select * from net_range_build()",
)


def rebuild_range_intervals(con: duckdb.DuckDBPyConnection) -> None:
    """Bring net_range_sets and net_range_intervals in line with the loaded range files (sql/18:
    which files serve which dates; sql/19: the intervals of a set), inside the caller's transaction."""
    for statement in REBUILD_RANGE_SETS:
        con.execute(statement)


def ingest_ranges(ctx: LoadContext) -> int:
    """One provider range file; format detected from its content."""
    with open_text(ctx.path) as fh:
        head = fh.read(2048)
    if head.lstrip().startswith(("{", "[")):
        with open_text(ctx.path) as fh:
            try:
                doc = json.load(fh)
            except json.JSONDecodeError as exc:
                raise SourceError(ctx.path, f"not valid JSON: {exc.msg}", line=exc.lineno) from exc
        parsed = _json_layout(ctx, doc)
    else:
        parsed = _text_layout(ctx, head)
    provider = ctx.options.get("provider") or parsed.provider_id
    ctx.format = parsed.format
    ctx.set_snapshot(parsed.published, parsed.date_source)
    con = ctx.con
    if stage(con, "_net_stage", _batches(parsed.entries)) is None:
        raise SourceError(ctx.path, f"no prefixes found in this {parsed.format} file")
    parse_staged(ctx, "_net_stage", "_net_ranges")
    reject_duplicates(ctx, "_net_ranges", "family, lo, hi, service, region, detail")
    con.execute(
        "insert into raw_ranges select ?, line, ?, service, region, detail, generic, trim(prefix), family, lo, hi "
        "from _net_ranges",
        [ctx.dataset_id, provider],
    )
    loaded = int(first_row(con.execute("select count(*) from _net_ranges"))[0])
    con.execute(
        "insert into net_dataset_families select ?, family, count(*), ? from _net_ranges group by family",
        [ctx.dataset_id, provider],
    )
    for table in ("_net_stage", "_net_ranges"):
        con.execute(f"drop table if exists {table}")
    # The dataset row gets its final format and date after the parser; the range windows need them now.
    effective, _ = snapshot_of(ctx)
    con.execute(
        "update datasets set format = ?, snapshot_date = ? where dataset_id = ?",
        [ctx.format, effective, ctx.dataset_id],
    )
    rebuild_range_intervals(con)
    return loaded

"""Are addresses inside the providers' own published files attributed to them, with the file's service
and region? And does every address of a real routing table get a provider or `unrouted`?

    python scripts/check_range_accuracy.py                 # both checks
    python scripts/check_range_accuracy.py --only ranges --per-file 400
    python scripts/check_range_accuracy.py --only routing --routed 100000 --unrouted 5000

(a) ranges: for every range file under shared/datasets/real/cloud_ip_ranges/ (AWS, Google Cloud,
    Azure Service Tags, Oracle, Fastly, GitHub meta, geofeeds, plain CIDR lists), addresses are drawn
    at random inside its entries (up to --per-file, IPv4 and IPv6 alike). The file is read here, by
    its own small reader (Python `ipaddress`, independent of analyzer's parsers and intervals), and the
    expected answer is computed from every entry of the file that contains the address: provider = the
    file's provider; service = that of the most specific non-superset entry with a service (else the
    most specific entry with one); region = that of the most specific entry with a region; at equal
    prefix length every tied value is right. The file is ingested into a fresh database with the
    library and net_attribute() answers. Wrong rows are listed with why. `covering` checks point 4:
    every entry of the file containing the address is in the answer's `ranges`.
    Then all current files together, in one database: the provider must be that of the most specific
    entry over all files (ties: any), and every provider with an entry around the address must be in
    `ranges` (a GitHub Actions range inside an Azure range is both).
(b) routing: the complete RouteViews IPv4 table of 2017-03-29 with pyasn's AS names and the current
    range files; --routed addresses drawn inside random prefixes and --unrouted addresses drawn outside
    every prefix, written as A records of a DNS snapshot and ingested; every address must have a row in
    int_ip_providers with a provider_id (`unrouted` for the latter). Counts by basis and confidence.
"""

from __future__ import annotations

import argparse
import bisect
import gzip
import ipaddress
import json
import random
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analyzer.ingest import ingest  # noqa: E402
from analyzer.workspace import Workspace  # noqa: E402

REAL = next(
    (p / "shared/datasets/real" for p in ROOT.parents if (p / "shared/datasets/real").is_dir()),
    ROOT.parent / "shared/datasets/real",
)
RANGES = REAL / "cloud_ip_ranges"


@dataclass(frozen=True)
class Entry:
    net: ipaddress.IPv4Network | ipaddress.IPv6Network
    service: str | None
    region: str | None
    generic: bool  # a provider-wide superset (AWS AMAZON, Azure AzureCloud*, goog.json)


@dataclass(frozen=True)
class RangeFile:
    path: Path
    provider: str
    reader: str
    current: bool = True  # part of the "all current files together" check


def _open(path: Path) -> Any:
    return gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else path.open(encoding="utf-8")


def _net(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(text.strip(), strict=False)


def read_entries(f: RangeFile) -> list[Entry]:
    """The file's entries with their service and region, read the way the publisher documents them."""
    if f.reader in ("cidr", "geofeed"):
        out = []
        with _open(f.path) as fh:
            for line in fh:
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                if f.reader == "cidr":
                    out.append(Entry(_net(line), None, None, False))
                    continue
                cols = [c.strip() for c in line.split(",")]  # RFC 8805: prefix,country,region,city,postal
                out.append(Entry(_net(cols[0]), None, (cols[2:3] or [""])[0] or cols[1] or None, False))
        return out
    with _open(f.path) as fh:
        doc = json.load(fh)
    if f.reader == "aws":
        return [
            Entry(
                _net(p.get("ip_prefix") or p["ipv6_prefix"]),
                p["service"],
                p["region"],
                p["service"] == "AMAZON",
            )
            for p in doc["prefixes"] + doc["ipv6_prefixes"]
        ]
    if f.reader == "google":
        return [
            Entry(_net(p.get("ipv4Prefix") or p["ipv6Prefix"]), p.get("service"), p.get("scope"), False)
            for p in doc["prefixes"]
        ]
    if f.reader == "azure":
        out = []
        for v in doc["values"]:
            props = v["properties"]
            system = props.get("systemService") or None
            for p in props["addressPrefixes"]:
                out.append(Entry(_net(p), system, props.get("region") or None, system is None))
        return out
    if f.reader == "oracle":
        return [
            Entry(_net(c["cidr"]), ",".join(c.get("tags") or []) or None, r["region"], False)
            for r in doc["regions"]
            for c in r["cidrs"]
        ]
    if f.reader == "fastly":
        return [Entry(_net(p), None, None, False) for p in doc["addresses"] + doc["ipv6_addresses"]]
    if f.reader == "github":
        # GitHub's meta API: one list of CIDRs per service; ssh_keys and domains are not addresses
        return [
            Entry(_net(p), key, None, False)
            for key, value in doc.items()
            if isinstance(value, list) and key != "ssh_keys"
            for p in value
        ]
    raise ValueError(f.reader)


def range_files() -> list[RangeFile]:
    fem, hist, la = RANGES / "femueller", RANGES / "femueller_history", RANGES / "lord-alfred"
    files = [
        RangeFile(fem / "aws-ip-ranges.json.gz", "amazon", "aws"),
        RangeFile(fem / "google-cloud-ip-ranges.json", "google", "google"),
        RangeFile(fem / "microsoft-azure-ip-ranges.json.gz", "microsoft", "azure"),
        RangeFile(fem / "oracle-cloud-ip-ranges.json", "oracle", "oracle"),
        RangeFile(fem / "fastly-ip-ranges.json", "fastly", "fastly"),
        RangeFile(fem / "github-ip-ranges.json", "github", "github"),
        RangeFile(fem / "cloudflare-v4-ip-ranges.txt", "cloudflare", "cidr"),
        RangeFile(fem / "cloudflare-v6-ip-ranges.txt", "cloudflare", "cidr"),
        RangeFile(fem / "akamai-v4-ip-ranges.txt", "akamai", "cidr"),
        RangeFile(fem / "akamai-v6-ip-ranges.txt", "akamai", "cidr"),
        RangeFile(fem / "digitalocean.csv", "digitalocean", "geofeed"),
        RangeFile(fem / "linode.txt", "linode", "geofeed"),
        RangeFile(hist / "aws-ip-ranges_2021-12-30.json.gz", "amazon", "aws", current=False),
        RangeFile(hist / "google-cloud-ip-ranges_2021-12-31.json", "google", "google", current=False),
    ]
    for path in sorted(la.glob("*.txt")):
        # lord-alfred/ipranges: one CIDR list per provider and family, named <provider>_ipv4.txt
        files.append(
            RangeFile(
                path, {"microsoft": "microsoft"}.get(path.stem.split("_")[0], path.stem.split("_")[0]), "cidr"
            )
        )
    return files


def expected(entries: list[Entry], address: ipaddress._BaseAddress) -> dict[str, Any]:
    """What the file says about an address: the entries around it, most specific first."""
    around = sorted((e for e in entries if address in e.net), key=lambda e: -e.net.prefixlen)

    def best(pool: list[Entry], field: str) -> set[str]:
        pool = [e for e in pool if getattr(e, field) is not None]
        if not pool:
            return set()
        top = pool[0].net.prefixlen
        return {getattr(e, field) for e in pool if e.net.prefixlen == top}

    services = best([e for e in around if not e.generic], "service") or best(around, "service")
    return {"around": around, "services": services, "regions": best(around, "region")}


class Index:
    """Entries by family and prefix length, for the containment test of many addresses."""

    def __init__(self, entries: list[Entry]) -> None:
        self.by: dict[tuple[int, int], dict[int, list[Entry]]] = {}
        for e in entries:
            self.by.setdefault((e.net.version, e.net.prefixlen), {}).setdefault(
                int(e.net.network_address), []
            ).append(e)

    def around(self, address: ipaddress._BaseAddress) -> list[Entry]:
        bits = address.max_prefixlen
        out = []
        for (version, length), nets in self.by.items():
            if version != address.version:
                continue
            key = (int(address) >> (bits - length) << (bits - length)) if length else 0
            out.extend(nets.get(key, []))
        return out


def sample(entries: list[Entry], n: int, rng: random.Random) -> list[ipaddress._BaseAddress]:
    """Up to n addresses, half of them IPv6 when the file has IPv6 entries, each inside a random entry."""
    by_family = {v: [e for e in entries if e.net.version == v] for v in (4, 6)}
    quota = (
        {4: n, 6: 0}
        if not by_family[6]
        else ({4: 0, 6: n} if not by_family[4] else {4: n - n // 2, 6: n // 2})
    )
    out = []
    for v, pool in by_family.items():
        for e in rng.sample(pool, min(quota[v], len(pool))) if len(pool) > quota[v] else pool:
            lo, hi = int(e.net.network_address), int(e.net.broadcast_address)
            out.append(ipaddress.ip_address(rng.randint(lo, hi)))
    return out


def attribute(ws: Workspace, addresses: list[str]) -> dict[int, dict[str, Any]]:
    ws.con.register("_q_in", pa.table({"seq": range(len(addresses)), "address": addresses}))
    ws.execute("create or replace temp table _q as select seq::bigint as seq, address from _q_in")
    ws.con.unregister("_q_in")
    rows = ws.rows(
        "select seq, provider_id, range_service, range_region, range_prefix, ranges from net_attribute('_q')"
    )
    return {r["seq"]: r for r in rows}


def load(ws: Workspace, f: RangeFile) -> None:
    ingest(
        ws, "ranges", [f.path], options={"provider": f.provider} if f.reader in ("cidr", "geofeed") else {}
    )


def check_file(f: RangeFile, per_file: int, rng: random.Random) -> dict[str, Any]:
    entries = read_entries(f)
    index = Index(entries)
    addresses = sample(entries, per_file, rng)
    with Workspace(":memory:") as ws:
        load(ws, f)
        got = attribute(ws, [str(a) for a in addresses])
    tally: Counter[str] = Counter()
    wrong = []
    has_service = any(e.service for e in entries)
    has_region = any(e.region for e in entries)
    for i, a in enumerate(addresses):
        exp = expected(index.around(a), a)
        row = got.get(i) or {}
        tally["sampled"] += 1
        tally[f"v{a.version}"] += 1
        why = []
        if row.get("provider_id") == f.provider:
            tally["provider"] += 1
        else:
            why.append(f"provider {row.get('provider_id')} not {f.provider}")
        if has_service:
            tally["with_service"] += 1
            if (row.get("range_service") in exp["services"]) or (
                not exp["services"] and row.get("range_service") is None
            ):
                tally["service"] += 1
            else:
                why.append(f"service {row.get('range_service')} not {sorted(exp['services'])}")
        if has_region:
            tally["with_region"] += 1
            if (row.get("range_region") in exp["regions"]) or (
                not exp["regions"] and row.get("range_region") is None
            ):
                tally["region"] += 1
            else:
                why.append(f"region {row.get('range_region')} not {sorted(exp['regions'])}")
        listed = {(r["prefix"], r["service"], r["region"]) for r in row.get("ranges") or []}
        missing = [e for e in exp["around"] if (str(e.net), e.service, e.region) not in _normalised(listed)]
        if missing:
            why.append(f"covering lacks {', '.join(str(e.net) for e in missing[:3])}")
        else:
            tally["covering"] += 1
        if why:
            wrong.append(f"{a} ({row.get('range_prefix')}): {'; '.join(why)}")
        else:
            tally["right"] += 1
    return {"file": f, "entries": len(entries), "tally": tally, "wrong": wrong}


def _normalised(listed: set[tuple[str, Any, Any]]) -> set[tuple[str, Any, Any]]:
    """Prefixes as ipaddress writes them (a file may write 2001:DB8::/32 or a host-bits prefix)."""
    return {(str(_net(p)), s, r) for p, s, r in listed}


def check_together(files: list[RangeFile], per_file: int, rng: random.Random) -> dict[str, Any]:
    tagged = [(f, read_entries(f)) for f in files]
    everything = Index([e for _, es in tagged for e in es])
    owner: dict[tuple[str, str | None, str | None], set[str]] = {}
    for f, es in tagged:
        for e in es:
            owner.setdefault((str(e.net), e.service, e.region), set()).add(f.provider)
    addresses = [a for _, es in tagged for a in sample(es, per_file, rng)]
    with Workspace(":memory:") as ws:
        for f, _ in tagged:
            load(ws, f)
        got = attribute(ws, [str(a) for a in addresses])
    tally: Counter[str] = Counter()
    wrong = []
    for i, a in enumerate(addresses):
        around = sorted(everything.around(a), key=lambda e: -e.net.prefixlen)
        top = around[0].net.prefixlen
        tops = {p for e in around if e.net.prefixlen == top for p in owner[(str(e.net), e.service, e.region)]}
        providers = {p for e in around for p in owner[(str(e.net), e.service, e.region)]}
        row = got.get(i) or {}
        listed = {r["provider_id"] for r in row.get("ranges") or []}
        tally["sampled"] += 1
        tally["ties"] += len(tops) > 1
        why = []
        if row.get("provider_id") not in tops:
            why.append(f"provider {row.get('provider_id')} not {sorted(tops)}")
        if providers - listed:
            why.append(f"ranges lack {sorted(providers - listed)}")
        tally["nested"] += len(providers) > 1
        if why:
            wrong.append(f"{a}: {'; '.join(why)}")
        else:
            tally["right"] += 1
    return {"tally": tally, "wrong": wrong}


def _v4_outside(intervals: list[tuple[int, int]], n: int, rng: random.Random) -> list[str]:
    """n public-looking IPv4 addresses inside no interval (merged, sorted)."""
    starts = [lo for lo, _ in intervals]
    out: list[str] = []
    while len(out) < n:
        x = rng.randint(1 << 24, (224 << 24) - 1)
        i = bisect.bisect_right(starts, x) - 1
        if i >= 0 and intervals[i][0] <= x <= intervals[i][1]:
            continue
        out.append(str(ipaddress.IPv4Address(x)))
    return out


def check_routing(routed: int, unrouted: int, rng: random.Random) -> dict[str, Any]:
    table = REAL / "routing_2017" / "routeviews-rv2-20170329-0200.pfx2as.gz"
    prefixes = []
    with gzip.open(table, "rt", encoding="utf-8") as fh:
        for line in fh:
            net, length, _ = line.split("\t")
            lo = int(ipaddress.IPv4Address(net))
            prefixes.append((lo, lo + (1 << (32 - int(length))) - 1))
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(prefixes):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    inside = [str(ipaddress.IPv4Address(rng.randint(lo, hi))) for lo, hi in rng.choices(prefixes, k=routed)]
    outside = _v4_outside(merged, unrouted, rng)
    with tempfile.TemporaryDirectory(prefix="routing-") as tmp:
        dns = Path(tmp) / "2017-03-29-1490745600-fdns_a.json.gz"
        with gzip.open(dns, "wt", encoding="utf-8") as fh:
            for i, a in enumerate(inside + outside):
                fh.write(
                    json.dumps({"timestamp": "1490745600", "name": f"h{i}.example", "type": "a", "value": a})
                    + "\n"
                )
        with Workspace(Path(tmp) / "routing.duckdb") as ws:
            ingest(ws, "pfx2as", [table])
            ingest(ws, "as2org", [REAL / "asn_to_org" / "pyasn_asnames.json.gz"])
            for f in range_files():
                if f.current and f.path.parent.name == "femueller":
                    load(ws, f)
            ingest(ws, "dns", [dns])
            ws.execute("create temp table _expect (address varchar, routed boolean)")
            ws.con.executemany(
                "insert into _expect values (?, ?)",
                [(a, True) for a in inside] + [(a, False) for a in outside],
            )
            by = ws.rows(
                """
                with p as (select * from int_ip_providers),
                e as (select distinct * from _expect)
                select e.routed,
                       count(distinct e.address) as addresses,
                       count(distinct e.address) filter (where p.address is null) as no_row,
                       count(distinct e.address) filter (where p.provider_id is null and p.address is not null)
                           as null_provider,
                       count(distinct e.address) filter (where p.provider_id = 'unrouted') as unrouted
                from e
                left join p using (address)
                group by e.routed order by e.routed desc
                """
            )
            bases = ws.rows(
                """
                select e.routed, p.basis, count(distinct e.address) as addresses
                from (select distinct * from _expect) as e
                inner join int_ip_providers as p using (address)
                group by all order by e.routed desc, addresses desc
                """
            )
            for row in by:
                row["bases"] = [(b["basis"], b["addresses"]) for b in bases if b["routed"] == row["routed"]]
            confidence = ws.rows(
                "select coalesce(confidence, 'unrouted') as confidence, count(*) as addresses "
                "from int_ip_attribution group by all order by addresses desc"
            )
            basis = ws.rows(
                "select basis, count(distinct address) as addresses from int_ip_providers group by all order by addresses desc"
            )
    return {"prefixes": len(prefixes), "by": by, "confidence": confidence, "basis": basis}


def pct(a: int, b: int) -> str:
    return f"{a}/{b} ({100 * a / (b or 1):.1f} %)"


def report_ranges(per_file: int, rng: random.Random, show: int) -> None:
    total: Counter[str] = Counter()
    print(f"(a) ranges: up to {per_file} addresses inside each file's entries")
    for f in range_files():
        try:
            r = check_file(f, per_file, rng)
        except Exception as exc:  # a file analyzer refuses is a finding, not a crash of the check
            print(f"  {f.path.parent.name}/{f.path.name}: NOT LOADED: {exc}")
            total["files_not_loaded"] += 1
            continue
        t = r["tally"]
        total.update(t)
        parts = [
            f"sampled {t['sampled']} (v4 {t['v4']}, v6 {t['v6']})",
            f"provider {pct(t['provider'], t['sampled'])}",
        ]
        if t["with_service"]:
            parts.append(f"service {pct(t['service'], t['with_service'])}")
        if t["with_region"]:
            parts.append(f"region {pct(t['region'], t['with_region'])}")
        parts.append(f"covering {pct(t['covering'], t['sampled'])}")
        parts.append(f"wrong {len(r['wrong'])}")
        print(f"  {f.path.parent.name}/{f.path.name} [{r['entries']} entries]: " + ", ".join(parts))
        for w in r["wrong"][:show]:
            print(f"      {w}")
    print(
        f"  all files: right {pct(total['right'], total['sampled'])}; provider {pct(total['provider'], total['sampled'])}, "
        f"service {pct(total['service'], total['with_service'])}, region {pct(total['region'], total['with_region'])}, "
        f"covering {pct(total['covering'], total['sampled'])}; files not loaded {total['files_not_loaded']}"
    )
    current = [f for f in range_files() if f.current]
    try:
        r = check_together(current, max(per_file // 4, 50), rng)
    except Exception as exc:
        print(f"  together: NOT LOADED: {exc}")
        return
    t = r["tally"]
    print(
        f"  all {len(current)} current files in one database: right {pct(t['right'], t['sampled'])} "
        f"(inside ranges of two or more providers: {t['nested']}; tied most specific: {t['ties']})"
    )
    for w in r["wrong"][:show]:
        print(f"      {w}")


def report_routing(routed: int, unrouted: int, rng: random.Random) -> None:
    r = check_routing(routed, unrouted, rng)
    print(
        f"(b) routing: RouteViews 2017-03-29, {r['prefixes']} IPv4 prefixes, pyasn AS names, current range files"
    )
    for row in r["by"]:
        kind = "inside a prefix" if row["routed"] else "outside every prefix"
        print(
            f"  {kind}: {row['addresses']} addresses; no row {row['no_row']}, provider null {row['null_provider']}, "
            f"'unrouted' {row['unrouted']}; by basis: " + ", ".join(f"{b} {n}" for b, n in row["bases"])
        )
    print(
        "  int_ip_attribution.confidence: "
        + ", ".join(f"{c['confidence']} {c['addresses']}" for c in r["confidence"])
    )
    print(
        "  int_ip_providers.basis (distinct addresses): "
        + ", ".join(f"{b['basis']} {b['addresses']}" for b in r["basis"])
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("ranges", "routing"))
    parser.add_argument("--per-file", type=int, default=400, help="addresses per range file (default 400)")
    parser.add_argument("--routed", type=int, default=100_000)
    parser.add_argument("--unrouted", type=int, default=5_000)
    parser.add_argument("--show", type=int, default=10, help="wrong rows listed per file (default 10)")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    if args.only in (None, "ranges"):
        report_ranges(args.per_file, rng, args.show)
    if args.only in (None, "routing"):
        report_routing(args.routed, args.unrouted, rng)
    return 0


if __name__ == "__main__":
    sys.exit(main())

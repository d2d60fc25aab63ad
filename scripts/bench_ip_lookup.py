"""Benchmark: IPv4 -> (prefix, origin AS) for 10M address strings, analyzer vs pyasn, end to end.

    python scripts/bench_ip_lookup.py [--prefixes 1000000] [--addresses 10000000] [--sample 100000] [--out bench-out]

1. generates a pfx2as file like the real table (covering aggregates with nested more-specifics,
   some multi-origin `a_b` entries) and the same table as a pyasn .dat (first origin);
2. generates the address strings (not timed: both sides start from the same strings);
3. in one child process: `analyzer ingest pfx2as` of the file (timed) and of the shipped provider
   ranges (datasets/ranges), then attribute_frame() over all strings (timed: strings in, results out,
   in input order), once with every column and once with prefix, origins, provider and confidence;
   then the same two without putting the rows back in input order (`ordered=False`: each row keeps
   its address and its input position `seq`, as a join key);
4. in another child process: pyasn.pyasn(dat) (load timed) and a Python loop of lookup() (timed);
5. compares both answers on the first --sample addresses and prints throughputs, their ratio and
   each child's peak memory (ru_maxrss).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
# What pyasn answers (prefix and origin), plus the provider and confidence that pyasn cannot give.
SLIM = ["address", "route_prefix", "origin_asns", "provider_id", "confidence"]


def generate(out: Path, n_prefixes: int, n_addresses: int, seed: int = 42) -> None:
    """Write table.pfx2as (CAIDA), table.dat (pyasn) and addresses.parquet (one string column)."""
    con = duckdb.connect()
    con.execute("select setseed(?)", [seed / 100])
    n_aggregates = n_prefixes // 3
    con.execute(
        """
        create table aggregates as
        select
            (r >> (32 - len)) << (32 - len) as net,
            len
        from (
            select (random() * 4294967295)::ubigint as r, (10 + random() * 12)::int as len
            from range(?)
        )
        """,
        [n_aggregates],
    )
    # more-specifics inside each aggregate (lengths up to /24), as announced by customers
    con.execute(
        """
        create table specifics as
        select
            (net + ((random() * ((1::ubigint << (32 - len)) - 1))::ubigint)) >> (32 - sublen) << (32 - sublen) as net,
            sublen as len
        from (
            select net, len, least(24, len + 1 + (random() * 10)::int) as sublen
            from aggregates, range(3)
        )
        """
    )
    con.execute(
        """
        create table prefixes as
        select
            net,
            len,
            case
                when random() < 0.03 then (1 + (random() * 64000)::int) || '_' || (1 + (random() * 64000)::int)
                else (1 + (random() * 400000)::int)::varchar
            end as origin
        from (select distinct net, len from (select * from aggregates union all select * from specifics))
        """
    )
    con.execute(
        """
        create table lines as
        select
            printf('%d.%d.%d.%d', (net >> 24) & 255, (net >> 16) & 255, (net >> 8) & 255, net & 255) as addr,
            len,
            origin
        from prefixes
        """
    )
    n = con.execute("select count(*) from lines").fetchone()[0]  # type: ignore[index]
    con.execute(
        f"copy (select addr, len, origin from lines) to '{out / 'table.pfx2as'}' "  # noqa: S608 - local path
        "(format csv, delimiter '\t', header false, quote '')"
    )
    con.execute(
        f"copy (select addr || '/' || len, string_split(origin, '_')[1] from lines) to '{out / 'table.dat'}' "  # noqa: S608
        "(format csv, delimiter '\t', header false, quote '')"
    )
    con.execute(
        f"copy (select printf('%d.%d.%d.%d', (r >> 24) & 255, (r >> 16) & 255, (r >> 8) & 255, r & 255) as address "  # noqa: S608
        f"from (select (random() * 4294967295)::ubigint as r from range({int(n_addresses)}))) "
        f"to '{out / 'addresses.parquet'}' (format parquet)"
    )
    print(f"generated {n:,} prefixes and {n_addresses:,} addresses in {out}", file=sys.stderr)


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_analyzer(out: Path, sample: int) -> dict:
    sys.path.insert(0, str(ROOT))
    from analyzer.ingest import ingest
    from analyzer.network.lookup import attribute_frame
    from analyzer.workspace import Workspace

    db = out / "bench.duckdb"
    db.unlink(missing_ok=True)
    ws = Workspace(db)
    t = time.perf_counter()
    (loaded,) = ingest(ws, "pfx2as", [out / "table.pfx2as"])
    ingest_s = time.perf_counter() - t
    t = time.perf_counter()
    ingest(ws, "ranges", sorted((ROOT / "datasets" / "ranges").iterdir()))
    ranges_s = time.perf_counter() - t
    addresses = pq.read_table(out / "addresses.parquet").column("address")
    # untimed warm-up (interval tables into memory), as pyasn's load is timed apart from its lookups
    attribute_frame(ws, pl.Series("address", addresses.slice(0, 100_000)))
    t = time.perf_counter()
    full = attribute_frame(ws, pl.Series("address", addresses))
    full_s = time.perf_counter() - t
    ranged = full["range_provider_id"].is_not_null().sum()
    del full
    t = time.perf_counter()
    slim = attribute_frame(ws, pl.Series("address", addresses), columns=SLIM)
    slim_s = time.perf_counter() - t
    t = time.perf_counter()
    attribute_frame(ws, pl.Series("address", addresses), ordered=False)
    full_unordered_s = time.perf_counter() - t
    t = time.perf_counter()
    attribute_frame(ws, pl.Series("address", addresses), columns=SLIM, ordered=False)
    slim_unordered_s = time.perf_counter() - t
    head = slim.head(sample)
    (out / "analyzer_sample.json").write_text(
        json.dumps(
            [
                [a[0] if a is not None and len(a) else None, p]
                for a, p in head.select("origin_asns", "route_prefix").iter_rows()
            ]
        )
    )
    return {
        "prefixes": loaded.rows_loaded,
        "ingest_s": ingest_s,
        "ranges_ingest_s": ranges_s,
        "lookups": len(addresses),
        "full_s": full_s,
        "slim_s": slim_s,
        "full_unordered_s": full_unordered_s,
        "slim_unordered_s": slim_unordered_s,
        "in_published_range": int(ranged),
        "peak_mib": peak_mib(),
    }


def run_pyasn(out: Path, sample: int) -> dict:
    import pyasn

    addresses = pq.read_table(out / "addresses.parquet").column("address").to_pylist()
    t = time.perf_counter()
    db = pyasn.pyasn(str(out / "table.dat"))
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    lookup = db.lookup
    results = [lookup(a) for a in addresses]
    lookup_s = time.perf_counter() - t
    (out / "pyasn_sample.json").write_text(json.dumps([list(r) for r in results[:sample]]))
    return {"load_s": load_s, "lookups": len(addresses), "lookup_s": lookup_s, "peak_mib": peak_mib()}


def child(which: str, out: Path, sample: int) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", which, "--out", str(out), "--sample", str(sample)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--prefixes", type=int, default=1_000_000)
    parser.add_argument("--addresses", type=int, default=10_000_000)
    parser.add_argument("--sample", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench-out")
    parser.add_argument("--child", choices=["analyzer", "pyasn"])
    args = parser.parse_args()
    if args.child:
        run = run_analyzer if args.child == "analyzer" else run_pyasn
        print(json.dumps(run(args.out, args.sample)))
        return
    args.out.mkdir(parents=True, exist_ok=True)
    generate(args.out, args.prefixes, args.addresses)
    ours = child("analyzer", args.out, args.sample)
    theirs = child("pyasn", args.out, args.sample)
    a = json.loads((args.out / "analyzer_sample.json").read_text())
    b = json.loads((args.out / "pyasn_sample.json").read_text())
    agree = sum(1 for x, y in zip(a, b, strict=True) if x == y)
    full_rate = ours["lookups"] / ours["full_s"]
    slim_rate = ours["lookups"] / ours["slim_s"]
    theirs_rate = theirs["lookups"] / theirs["lookup_s"]
    full_unordered = ours["lookups"] / ours["full_unordered_s"]
    slim_unordered = ours["lookups"] / ours["slim_unordered_s"]
    report = {
        "prefixes_in_file": ours["prefixes"],
        "analyzer_pfx2as_ingest_s": round(ours["ingest_s"], 2),
        "analyzer_ranges_ingest_s": round(ours["ranges_ingest_s"], 2),
        "analyzer_full_attribution_per_s": round(full_rate),
        "analyzer_prefix_origin_provider_per_s": round(slim_rate),
        "analyzer_peak_mib": round(ours["peak_mib"]),
        "pyasn_load_s": round(theirs["load_s"], 2),
        "pyasn_lookups_per_s": round(theirs_rate),
        "pyasn_peak_mib": round(theirs["peak_mib"]),
        "ratio_full_over_pyasn": round(full_rate / theirs_rate, 2),
        "ratio_prefix_origin_provider_over_pyasn": round(slim_rate / theirs_rate, 2),
        "ratio_full_unordered_over_pyasn": round(full_unordered / theirs_rate, 2),
        "ratio_prefix_origin_provider_unordered_over_pyasn": round(slim_unordered / theirs_rate, 2),
        "agreement": f"{agree:,} / {len(a):,}",
        "addresses_in_a_published_range": ours["in_published_range"],
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

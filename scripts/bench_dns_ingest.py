"""Benchmark `analyzer ingest dns` on generated Rapid7-FDNS and OpenINTEL-format files.

    .venv/bin/python scripts/bench_dns_ingest.py [--records 20000000] [--out bench-out]

Generates (once, reused when present) a gzipped FDNS JSON-lines file and an OpenINTEL-schema Parquet
file with the same number of records, then for each: times `gzip -dc FILE > /dev/null` (the
decompression floor) and `analyzer ingest dns FILE` into a fresh on-disk database in a child process,
and reports records/s, the child's peak memory (ru_maxrss) and the ratio to the floor.
Generation is vectorised (numpy + pyarrow): about 2 min for the FDNS file and 7 min for the Parquet file
(gzip-compressed pages, as OpenINTEL publishes them) at 20 M records on two cores.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

CHUNK = 1_000_000
DAY = 1_640_908_800  # 2021-12-31T00:00:00Z, a Rapid7 FDNS publication day
# Record mix of a forward-DNS dump: mostly A, then CNAME, AAAA, MX, NS, TXT.
TYPES = np.array(["A", "A", "A", "A", "A", "A", "CNAME", "CNAME", "AAAA", "MX", "NS", "TXT"])


def _num(rng: np.random.Generator, n: int, low: int, high: int) -> pa.Array:
    return pc.cast(pa.array(rng.integers(low, high, n)), pa.string())


def _names(rng: np.random.Generator, n: int, prefix: str = "") -> pa.Array:
    tld = pa.array(["com", "net", "org", "cn", "co.uk", "de"]).take(pa.array(rng.integers(0, 6, n)))
    return pc.binary_join_element_wise(
        prefix + "h", _num(rng, n, 0, 50), ".d", _num(rng, n, 0, 2_000_000), ".", tld, ""
    )


def _chunk(rng: np.random.Generator, n: int) -> dict[str, pa.Array]:
    typ = pa.array(TYPES).take(pa.array(rng.integers(0, len(TYPES), n)))
    ipv4 = pc.binary_join_element_wise(*[_num(rng, n, 1, 255) for _ in range(4)], ".")
    ipv6 = pc.binary_join_element_wise("2001:db8", _num(rng, n, 0, 9999), _num(rng, n, 0, 9999), "::1", ":")
    target = _names(rng, n, "t")
    mx = pc.binary_join_element_wise(_num(rng, n, 0, 50), target, "0 ")
    txt = pc.binary_join_element_wise("v=spf1 include:_spf.", target, " ~all", "")
    value = pc.case_when(
        pc.make_struct(pc.equal(typ, "A"), pc.equal(typ, "AAAA"), pc.equal(typ, "MX"), pc.equal(typ, "TXT")),
        ipv4,
        ipv6,
        mx,
        txt,
        target,
    )
    ts = _num(rng, n, DAY, DAY + 86_400)
    return {
        "name": _names(rng, n),
        "type": typ,
        "value": value,
        "timestamp": ts,
        "ipv4": ipv4,
        "ipv6": ipv6,
        "target": target,
    }


def _text(lines: pa.Array) -> memoryview:
    """The concatenated bytes of a string array, without a copy through Python strings."""
    lines = lines.cast(pa.large_string())
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset : lines.offset + len(lines) + 1]
    return memoryview(lines.buffers()[2])[offsets[0] : offsets[-1]]


def generate_fdns(path: Path, records: int, seed: int = 1) -> None:
    """`{"timestamp":"...","name":"...","type":"...","value":"..."}` lines, gzip level 6 (another
    `seed`, other records: a different snapshot)."""
    rng = np.random.default_rng(seed)
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as fh:
        comp = zlib.compressobj(6, zlib.DEFLATED, 31)
        for start in range(0, records, CHUNK):
            c = _chunk(rng, min(CHUNK, records - start))
            line = pc.binary_join_element_wise(
                '{"timestamp":"',
                c["timestamp"],
                '","name":"',
                c["name"],
                '","type":"',
                c["type"],
                '","value":"',
                c["value"],
                '"}\n',
                "",
            )
            fh.write(comp.compress(_text(line)))
        fh.write(comp.flush())
    tmp.rename(path)


OPENINTEL_SCHEMA = pa.schema(
    [
        ("query_type", pa.string()),
        ("query_name", pa.string()),
        ("response_type", pa.string()),
        ("response_name", pa.string()),
        ("response_ttl", pa.int32()),
        ("timestamp", pa.int64()),
        ("rtt", pa.float64()),
        ("worker_id", pa.int32()),
        ("status_code", pa.int32()),
        ("ad_flag", pa.int32()),
        ("ip4_address", pa.string()),
        ("ip6_address", pa.string()),
        ("country", pa.string()),
        ("as", pa.string()),
        ("as_full", pa.string()),
        ("ip_prefix", pa.string()),
        ("cname_name", pa.string()),
        ("dname_name", pa.string()),
        ("mx_address", pa.string()),
        ("mx_preference", pa.int32()),
        ("ns_address", pa.string()),
        ("txt_text", pa.string()),
        ("soa_mname", pa.string()),
        ("soa_rname", pa.string()),
        ("soa_serial", pa.int64()),
    ]
)


def generate_openintel(path: Path, records: int) -> None:
    """OpenINTEL fDNS rows (sparse columns: only the one matching response_type is set)."""
    rng = np.random.default_rng(2)
    tmp = path.with_suffix(".tmp")
    with pq.ParquetWriter(tmp, OPENINTEL_SCHEMA, compression="gzip") as writer:
        for start in range(0, records, CHUNK):
            n = min(CHUNK, records - start)
            c = _chunk(rng, n)
            typ = c["type"]
            name = pc.binary_join_element_wise(c["name"], ".", "")
            target = pc.binary_join_element_wise(c["target"], ".", "")

            def only(kind: str, values: pa.Array, typ: pa.Array = typ) -> pa.Array:
                return pc.if_else(pc.equal(typ, kind), values, pa.scalar(None, values.type))

            null_s = pa.nulls(n, pa.string())
            cols = {
                "query_type": pc.if_else(pc.equal(typ, "CNAME"), pa.scalar("A"), typ),
                "query_name": name,
                "response_type": typ,
                "response_name": name,
                "response_ttl": pa.array(rng.integers(60, 86_400, n).astype(np.int32)),
                "timestamp": pa.array((DAY + rng.integers(0, 86_400, n)) * 1000),
                "rtt": pa.array(np.full(n, 0.01)),
                "worker_id": pa.array(rng.integers(0, 8, n).astype(np.int32)),
                "status_code": pa.array(np.zeros(n, dtype=np.int32)),
                "ad_flag": pa.array(np.zeros(n, dtype=np.int32)),
                "ip4_address": only("A", c["ipv4"]),
                "ip6_address": only("AAAA", c["ipv6"]),
                "country": null_s,
                "as": null_s,
                "as_full": null_s,
                "ip_prefix": null_s,
                "cname_name": only("CNAME", target),
                "dname_name": null_s,
                "mx_address": only("MX", target),
                "mx_preference": only("MX", pa.array((rng.integers(0, 50, n) * 10).astype(np.int32))),
                "ns_address": only("NS", target),
                "txt_text": only(
                    "TXT", pc.binary_join_element_wise("v=spf1 include:", c["target"], " ~all", "")
                ),
                "soa_mname": null_s,
                "soa_rname": null_s,
                "soa_serial": pa.nulls(n, pa.int64()),
            }
            writer.write_table(pa.table(cols, schema=OPENINTEL_SCHEMA), row_group_size=CHUNK)
    tmp.rename(path)


def _run(cmd: list[str], *, stdout: int | None = None) -> tuple[float, int, float]:
    """Wall seconds, peak resident memory (bytes) and CPU seconds of a child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return elapsed, usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime


def bench(path: Path, records: int, out: Path, *, floor: bool) -> dict[str, float]:
    db = out / f"{path.stem}.duckdb"
    for f in (db, db.with_suffix(".duckdb.wal")):
        f.unlink(missing_ok=True)
    result: dict[str, float] = {}
    if floor:
        with open(os.devnull, "wb") as null:
            secs, _, _ = _run(["gzip", "-dc", str(path)], stdout=null.fileno())
        result["floor_s"] = secs
        result["floor_rate"] = records / secs
    cmd = [sys.executable, "-m", "analyzer", "--db", str(db), "ingest", "dns", str(path), "--quiet"]
    secs, rss, cpu = _run(cmd)
    result["cpu_s"] = cpu
    result["ingest_s"] = secs
    result["rate"] = records / secs
    result["peak_gib"] = rss / 2**30
    if floor:
        result["ratio"] = secs / result["floor_s"]
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=20_000_000)
    ap.add_argument("--out", type=Path, default=Path("bench-out"))
    ap.add_argument("--only", choices=["fdns", "parquet"], default=None)
    ap.add_argument("--generate-only", action="store_true", help="Only write the input files.")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    n = args.records
    fdns = args.out / f"fdns_{n}.json.gz"
    oi = args.out / f"openintel_{n}.gz.parquet"
    if args.only in (None, "fdns") and not fdns.exists():
        t = time.perf_counter()
        generate_fdns(fdns, n)
        print(f"generated {fdns} ({fdns.stat().st_size / 2**20:,.0f} MiB) in {time.perf_counter() - t:.0f} s")
    if args.only in (None, "parquet") and not oi.exists():
        t = time.perf_counter()
        generate_openintel(oi, n)
        print(f"generated {oi} ({oi.stat().st_size / 2**20:,.0f} MiB) in {time.perf_counter() - t:.0f} s")
    if args.generate_only:
        return
    print(f"records per file: {n:,}; cores: {os.cpu_count()}; load average {os.getloadavg()[0]:.2f}")
    if args.only in (None, "fdns"):
        r = bench(fdns, n, args.out, floor=True)
        print(
            f"FDNS json.gz: gzip -dc {r['floor_s']:.1f} s ({r['floor_rate'] / 1e6:.2f} M rec/s); "
            f"ingest {r['ingest_s']:.1f} s ({r['rate'] / 1e6:.2f} M rec/s), "
            f"{r['ratio']:.2f}x the decompression floor, peak {r['peak_gib']:.2f} GiB, cpu {r['cpu_s']:.1f} s"
        )
        fdns_rate = r["rate"]
    if args.only in (None, "parquet"):
        r = bench(oi, n, args.out, floor=False)
        extra = f", {r['rate'] / fdns_rate:.2f}x the FDNS rate" if args.only is None else ""
        print(
            f"OpenINTEL parquet: ingest {r['ingest_s']:.1f} s ({r['rate'] / 1e6:.2f} M rec/s){extra}, "
            f"peak {r['peak_gib']:.2f} GiB, cpu {r['cpu_s']:.1f} s"
        )


if __name__ == "__main__":
    main()

"""Scale benchmark of the attribution views (issue 7 §8): `attr_entity_services` for 1,000 watchlist
entities over a 20-million-record DNS snapshot (target: under 60 s).

    .venv/bin/python scripts/bench_attribution.py [--entities 1000] [--records 20000000] [--out bench-out]

Builds (generated files are reused when present) an on-disk database the way a user would, through
`analyzer.ingest`: a user watchlist of N entities, each with a linked domain; their DNS records
(the demo's five company templates, renamed per entity: A/AAAA into real published ranges, CNAMEs
to CloudFront, Fastly, a SaaS, MX to Microsoft, Google, Proofpoint, SPF, TXT tokens, NS) inside a
background of random FDNS records (scripts/bench_dns_ingest.py's generator) up to --records; a
1M-prefix pfx2as table (scripts/bench_ip_lookup.py's generator); the shipped published ranges; and
the demo crt.sh exports per entity. Then times, in the same run:

- baseline: one aggregate scan of the whole snapshot (`group by rtype` with distinct names), what
  any query over the snapshot costs at least;
- `attr_entity_services` fully materialised (`create temp table ... as select *`), and
- `attr_provider_summary` on top of it,

and prints seconds, ratios to the baseline, row counts and the process's peak memory.

A catalog N times today's size (issue 12: with 20x, `analyzer attribute` within 1.2x):

    .venv/bin/python scripts/bench_attribution.py --records 2000000 --inflate-catalog 20

times `analyzer attribute` (attribution.refresh) with today's catalog, then adds N-1 synthetic copies of
every provider with hostname patterns (suffixes and regexes of the same shapes, under domains that no
record uses), ASNs (private-use 32-bit numbers no route originates), CA names and verification
prefixes, none of which can match, times it again back to back (alternately, --rounds times; the
best of each), and prints the ratio; the rows must be the same.

Many snapshots (issue 13):

    .venv/bin/python scripts/bench_attribution.py --snapshots 12 --records 2000000 --entities 1000 --add-one

builds --snapshots monthly snapshots of --records records each (each its own background, generated
with its own seed, and the entities' records; every entity moves to the next template's providers
in one month, entity i in month 1 + i % 26, so about half of them change within the run), times the
full `analyzer attribute` (attribution.refresh), then with --add-one loads one more monthly
snapshot and times the incremental update `analyzer ingest` runs (attribution.ensure; target: at
most 1/5 of the full run), then `attr_entity_timeline` and `analyzer diff` between the first and
the last snapshot, in the process and through the CLI beside the CLI's floor (`analyzer sql
"select 1"`); target for both under 1 s. --verify recomputes everything once more and compares.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from bench_dns_ingest import generate_fdns  # noqa: E402
from bench_ip_lookup import generate as generate_routes  # noqa: E402

from analyzer import attribution  # noqa: E402
from analyzer.ingest import ingest  # noqa: E402
from analyzer.report.changes import diff  # noqa: E402
from analyzer.workspace import Workspace, first_row  # noqa: E402

DEMO = ROOT / "datasets" / "demo"
SNAPSHOT = "2025-07-20"
# The demo companies whose records and certificates are the per-entity templates.
TEMPLATES = [
    "northwind-vision.example",
    "contoso-surveillance.example",
    "fabrikam-biometrics.example",
    "tailspin-analytics.example",
    "woodgrove-sigint.example",
]


def _domain(i: int) -> str:
    template = TEMPLATES[i % len(TEMPLATES)]
    return f"e{i:05d}-{template}"


def _template(i: int, snapshot: int | None) -> str:
    """The demo company whose records entity i has in a snapshot: its own, from month 1 + i % 26 on
    the next one's (None: a single-snapshot run, no move)."""
    moved = snapshot is not None and snapshot >= 1 + i % 26
    return TEMPLATES[(i + moved) % len(TEMPLATES)]


def generate_entities(out: Path, n: int, snapshot: int | None = None) -> tuple[Path, Path, Path]:
    """Watchlist YAML, FDNS JSON lines and one crt.sh JSON export for `n` entities (the DNS records
    of month `snapshot` of a many-snapshot run)."""
    name = "entities-fdns_any.json.gz" if snapshot is None else f"entities-{snapshot:02d}-fdns_any.json.gz"
    watchlist, fdns, crtsh = out / "entities.yaml", out / name, out / "crtsh.json"
    lines = gzip.decompress((next((DEMO / "dns").glob("*.json.gz"))).read_bytes()).decode().splitlines()
    certs = {t: json.loads((DEMO / "ct" / f"crtsh_{t}.json").read_text()) for t in TEMPLATES}
    yaml_lines = ["list: BENCH", "name: Benchmark watchlist (synthetic)", "entities:"]
    records: list[str] = []
    rows: list[dict] = []
    for i in range(n):
        template, domain = TEMPLATES[i % len(TEMPLATES)], _domain(i)
        yaml_lines += [
            f"  - name: Synthetic Company {i} Co., Ltd.",
            "    country: CN",
            f"    listed_on: {2019 + i % 6}-0{1 + i % 9}-15",
            f"    domains: [{{domain: {domain}, source: synthetic}}]",
        ]
        source = _template(i, snapshot)
        records += [line.replace(source, domain) for line in lines if source in line]
        for cert_no, cert in enumerate(certs[template]):
            row = dict(cert)
            row["id"] = 10_000_000 + i * 100 + cert_no
            row["common_name"] = row["common_name"].replace(template, domain)
            row["name_value"] = row["name_value"].replace(template, domain)
            rows.append(row)
    watchlist.write_text("\n".join(yaml_lines) + "\n")
    fdns.write_bytes(gzip.compress(("\n".join(records) + "\n").encode(), 6))
    crtsh.write_text(json.dumps(rows))
    return watchlist, fdns, crtsh


def build(out: Path, entities: int, records: int) -> tuple[Path, dict[str, float]]:
    out.mkdir(parents=True, exist_ok=True)
    watchlist, entity_dns, crtsh = generate_entities(out, entities)
    with gzip.open(entity_dns, "rt") as fh:
        entity_records = sum(1 for _ in fh)
    background = out / f"background-{records - entity_records}-fdns_any.json.gz"
    if not background.exists():
        print(f"generating {records - entity_records:,} background FDNS records ...", file=sys.stderr)
        generate_fdns(background, records - entity_records)
    if not (out / "table.pfx2as").exists():
        generate_routes(out, 1_000_000, 1)
    db = out / "attribution.duckdb"
    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)
    ws = Workspace(db)
    timings: dict[str, float] = {}
    steps = [
        ("watchlist", [watchlist], None),
        ("ranges", sorted((ROOT / "datasets" / "ranges").iterdir()), None),
        ("pfx2as", [out / "table.pfx2as"], None),
        ("as2org", sorted(DEMO.glob("*as-org2info*")), None),
        ("dns", [background, entity_dns], {"date": SNAPSHOT}),
        ("ct", [crtsh], None),
    ]
    for kind, files, options in steps:
        t = time.perf_counter()
        ingest(ws, kind, files, options=options)
        timings[f"ingest {kind}"] = time.perf_counter() - t
    ws.close()
    return db, timings


def month(k: int) -> dt.date:
    """The date of monthly snapshot k (0-based) of a many-snapshot run."""
    return dt.date(2024 + k // 12, 1 + k % 12, 20)


def snapshot_files(out: Path, k: int, entities: int, records: int) -> list[Path]:
    """The two files of monthly snapshot k: its background and the entities' records."""
    _, entity_dns, _ = generate_entities(out, entities, k)
    with gzip.open(entity_dns, "rt") as fh:
        entity_records = sum(1 for _ in fh)
    background = out / f"background-{k:02d}-{records - entity_records}-fdns_any.json.gz"
    if not background.exists():
        print(
            f"generating {records - entity_records:,} background FDNS records of month {k} ...",
            file=sys.stderr,
        )
        generate_fdns(background, records - entity_records, seed=100 + k)
    return [background, entity_dns]


def build_snapshots(out: Path, entities: int, records: int, snapshots: int) -> tuple[Path, dict[str, float]]:
    """The database of a many-snapshot run: the reference data once, then `snapshots` months."""
    out.mkdir(parents=True, exist_ok=True)
    watchlist, _, crtsh = generate_entities(out, entities, 0)
    if not (out / "table.pfx2as").exists():
        generate_routes(out, 1_000_000, 1)
    db = out / f"timeline-{snapshots}x{records}.duckdb"
    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)
    ws = Workspace(db)
    timings: dict[str, float] = {}
    steps: list[tuple[str, list[Path], dict | None]] = [
        ("watchlist", [watchlist], None),
        ("ranges", sorted((ROOT / "datasets" / "ranges").iterdir()), None),
        ("pfx2as", [out / "table.pfx2as"], None),
        ("as2org", sorted(DEMO.glob("*as-org2info*")), None),
        ("ct", [crtsh], None),
    ]
    steps += [
        ("dns", snapshot_files(out, k, entities, records), {"date": month(k)}) for k in range(snapshots)
    ]
    for kind, files, options in steps:
        t = time.perf_counter()
        ingest(ws, kind, files, options=options)
        key = f"ingest {kind}" + (f" {options['date']}" if options else "")
        timings[key] = time.perf_counter() - t
    ws.close()
    return db, timings


def cli_seconds(*args: str) -> float:
    """Wall seconds of one `analyzer ...` child process (output discarded)."""
    t = time.perf_counter()
    subprocess.run([str(ROOT / ".venv" / "bin" / "analyzer"), *args], check=True, capture_output=True)
    return time.perf_counter() - t


def run_snapshots(args: argparse.Namespace) -> None:
    """Full attribution of N monthly snapshots, then one more incrementally, then the timeline and diff."""
    db, timings = build_snapshots(args.out, args.entities, args.records, args.snapshots)
    for step, seconds in timings.items():
        print(f"{step:<30} {seconds:8.1f} s")
    ws = Workspace(db)
    dns_rows = first_row(ws.con.execute("select count(*) from raw_dns_records"))[0]  # type: ignore[index]
    print(f"DNS records, {args.snapshots} snapshots     {dns_rows:,}")
    t = time.perf_counter()
    stored = attribution.refresh(ws)
    full = time.perf_counter() - t
    print(f"analyzer attribute (full)       {full:8.1f} s")
    print(f"  {stored.summary()}")
    last = month(args.snapshots - 1)
    if args.add_one:
        more = snapshot_files(args.out, args.snapshots, args.entities, args.records)
        t = time.perf_counter()
        ingest(ws, "dns", more, options={"date": month(args.snapshots)})
        print(f"ingest dns, one more snapshot   {time.perf_counter() - t:8.1f} s  (not part of the ratio)")
        t = time.perf_counter()
        incremental = attribution.ensure(ws)
        seconds = time.perf_counter() - t
        assert incremental is not None and incremental.snapshots == (month(args.snapshots),), incremental
        print(
            f"incremental attribution         {seconds:8.1f} s  {seconds / full:5.2f} of the full run "
            f"(target <= 0.20: {'PASS' if seconds <= full / 5 else 'FAIL'})"
        )
        print(f"  {incremental.summary()}")
        last = month(args.snapshots)
        if args.verify:
            query = "select * from attr_entity_services order by entity_id, domain, service, provider_id, observed_on"
            before = ws.rows(query)
            attribution.refresh(ws)
            same = before == ws.rows(query)
            print(f"  incremental store equals a full recompute: {same}")
    t = time.perf_counter()
    timeline = ws.con.execute("select * from attr_entity_timeline").fetchall()
    timeline_s = time.perf_counter() - t
    t = time.perf_counter()
    changes = diff(ws, month(0), last)
    diff_s = time.perf_counter() - t
    ws.close()
    print(f"attr_entity_timeline (all rows) {timeline_s:8.2f} s  {len(timeline):,} rows (target < 1 s)")
    print(f"diff {month(0)} -> {last}  {diff_s:8.2f} s  {len(changes.rows):,} rows (target < 1 s)")
    floor = cli_seconds("--db", str(db), "sql", "select 1")
    cli_diff = cli_seconds(
        "--db", str(db), "diff", "--from", str(month(0)), "--to", str(last), "--format", "csv"
    )
    cli_timeline = cli_seconds(
        "--db", str(db), "sql", "select * from attr_entity_timeline", "--format", "csv"
    )
    print(f"CLI floor: analyzer sql 'select 1'   {floor:6.2f} s")
    print(
        f"CLI analyzer diff --format csv       {cli_diff:6.2f} s  ({cli_diff - floor:+.2f} s over the floor)"
    )
    print(
        f"CLI analyzer sql attr_entity_timeline {cli_timeline:5.2f} s  ({cli_timeline - floor:+.2f} s over the floor)"
    )
    print(
        f"peak memory                     {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB"
    )


# Synthetic, never-matching copies of the catalog: copy k of a suffix pattern moves its
# registrable label to `<label>-b<k>` (cloudfront.net -> cloudfront-b3.net), of a regex appends a
# `.b<k>.invalid` label before its end anchor; ASNs from the private-use range 4200000000-4294967294.
INFLATE = (
    """insert into catalog_providers (provider_id, name, parent, country, kinds, source_url, sources, peer_names)
    select 'bench' || k || '-' || provider_id, name || ' (bench ' || k || ')', parent || ' bench ' || k, country,
        kinds, source_url, ['bench'], peer_names
    from catalog_providers, range(1, ?) as t(k)""",
    r"""insert into catalog_hostnames (provider_id, service, pattern, match_kind, relationship, source, waf)
    select 'bench' || k || '-' || provider_id, service,
        case when match_kind = 'regex' then regexp_replace(pattern, '\$$', '\\.b' || k || '\\.invalid$')
            when contains(pattern, '.') then regexp_replace(pattern, '([^.]+)(\.[^.]+)$', '\1-b' || k || '\2')
            else pattern || '-b' || k end,
        match_kind, relationship, 'bench', waf
    from catalog_hostnames, range(1, ?) as t(k)""",
    """insert into catalog_asns (provider_id, asn, source)
    select 'bench' || k || '-' || provider_id, 4200000000 + row_number() over (), 'bench'
    from catalog_asns, range(1, ?) as t(k)""",
    """insert into catalog_ca_names (provider_id, pattern)
    select 'bench' || k || '-' || provider_id, 'benchca' || k || 'x' || pattern
    from catalog_ca_names, range(1, ?) as t(k)""",
    """insert into catalog_verification (provider_id, prefix, service)
    select 'bench' || k || '-' || provider_id, 'bench' || k || '-' || prefix, service
    from catalog_verification, range(1, ?) as t(k)""",
)
CATALOG_TABLES = (
    "catalog_providers",
    "catalog_hostnames",
    "catalog_asns",
    "catalog_ca_names",
    "catalog_verification",
)


def catalog_sizes(ws: Workspace) -> dict[str, int]:
    return {t: first_row(ws.con.execute(f"select count(*) from {t}"))[0] for t in CATALOG_TABLES}  # type: ignore[index]  # noqa: S608


def run_inflated(ws: Workspace, factor: int, rounds: int) -> None:
    """`analyzer attribute` with today's catalog and with one `factor` times its size, alternately
    `rounds` times (the best of each counts: the first run also warms the caches)."""
    query = "select * from attr_entity_services order by all"
    before = catalog_sizes(ws)
    times: dict[str, list[float]] = {"today": [], "inflated": []}
    cpu: dict[str, list[float]] = {"today": [], "inflated": []}
    rows: dict[str, list[dict]] = {}
    after = before
    for _ in range(rounds):
        for side in ("today", "inflated"):
            if side == "inflated":
                with ws.transaction():
                    for statement in INFLATE:
                        ws.con.execute(statement, [factor])
                after = catalog_sizes(ws)
            t, c = time.perf_counter(), time.process_time()
            attribution.refresh(ws)
            times[side].append(time.perf_counter() - t)
            cpu[side].append(
                time.process_time() - c
            )  # every thread of the process: steadier on a shared machine
            rows[side] = ws.rows(query)
            if side == "inflated":
                with ws.transaction():
                    for table in CATALOG_TABLES:
                        ws.con.execute(f"delete from {table} where provider_id like 'bench%-%'")  # noqa: S608
    today, inflated = min(times["today"]), min(times["inflated"])
    sizes = ", ".join(f"{t.removeprefix('catalog_')} {before[t]:,} -> {after[t]:,}" for t in CATALOG_TABLES)
    print(f"catalog x{factor}: {sizes}")

    def runs(side: str) -> str:
        wall = ", ".join(f"{x:.1f}" for x in times[side])
        return f"{wall} wall; " + ", ".join(f"{x:.1f}" for x in cpu[side]) + " cpu"

    print(
        f"analyzer attribute, today's catalog  best {today:6.1f} s  (runs: {runs('today')}; {len(rows['today']):,} rows)"
    )
    print(
        f"analyzer attribute, catalog x{factor:<3}    best {inflated:6.1f} s  (runs: {runs('inflated')})  ratio "
        f"{inflated / today:.2f} (target <= 1.20: {'PASS' if inflated <= 1.2 * today else 'FAIL'}); "
        f"same rows: {rows['inflated'] == rows['today']}"
    )
    print(
        f"  cpu seconds, best: {min(cpu['today']):.1f} -> {min(cpu['inflated']):.1f}, ratio {min(cpu['inflated']) / min(cpu['today']):.2f}"
    )


def timed(ws: Workspace, sql: str) -> float:
    t = time.perf_counter()
    ws.con.execute(sql).fetchall()
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entities", type=int, default=1_000)
    parser.add_argument("--records", type=int, default=20_000_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench-out")
    parser.add_argument("--live", action="store_true", help="also time the live whole-snapshot view")
    parser.add_argument("--snapshots", type=int, default=1, help="monthly snapshots of --records each")
    parser.add_argument("--add-one", action="store_true", help="then one more snapshot, incrementally")
    parser.add_argument("--verify", action="store_true", help="compare the incremental store with a full run")
    parser.add_argument(
        "--inflate-catalog",
        type=int,
        default=0,
        metavar="N",
        help="time attribute with today's catalog and N times it",
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="with --inflate-catalog: alternations (default 2)"
    )
    args = parser.parse_args()
    if args.snapshots > 1:
        run_snapshots(args)
        return
    db, timings = build(args.out, args.entities, args.records)
    for step, seconds in timings.items():
        print(f"{step:<28} {seconds:8.1f} s")

    ws = Workspace(db)
    if args.inflate_catalog > 1:
        run_inflated(ws, args.inflate_catalog, args.rounds)
        ws.close()
        return
    dns_rows = first_row(ws.con.execute("select count(*) from raw_dns_records"))[0]  # type: ignore[index]
    base = timed(
        ws,
        "create or replace temp table b as select rtype, count(distinct name) from raw_dns_records group by rtype",
    )
    t = time.perf_counter()
    stored = attribution.refresh(ws)
    attribute = time.perf_counter() - t
    read = timed(ws, "create or replace temp table a as select * from attr_entity_services")
    summary = timed(ws, "create or replace temp table s as select * from attr_provider_summary")
    print(f"DNS records in snapshot          {dns_rows:,}")
    print(f"baseline scan (group by rtype)   {base:8.1f} s")
    print(
        f"analyzer attribute (scope+store) {attribute:8.1f} s  {attribute / base:5.1f}x baseline  (target < 60 s)"
    )
    print(f"  {stored.summary()}")
    print(f"read attr_entity_services        {read:8.2f} s")
    print(f"attr_provider_summary            {summary:8.2f} s")
    if args.live:
        live = timed(ws, "create or replace temp table l as select * from int_entity_services")
        same = first_row(ws.con.execute("select count(*) from (select * from a except all select * from l)"))[
            0
        ]  # type: ignore[index]
        print(f"live int_entity_services (whole) {live:8.1f} s  {live / attribute:5.1f}x the stored path")
        print(f"  rows differing from the stored ones: {same}")
    print(
        f"peak memory                      {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB"
    )


if __name__ == "__main__":
    main()

"""Spark (local[2]) against DuckDB on the attribution benchmark (issue 17), both in one run.

    .venv/bin/python scripts/bench_spark.py [--entities 1000] [--records 20000000] [--out bench-out]
        [--driver-memory 12g]

Builds (or reuses) scripts/bench_attribution.py's database: N watchlist entities inside a snapshot of
--records FDNS records, a 1M-prefix routing table, the shipped ranges and the demo certificates. Then
times, on the same data:

- DuckDB: the live `int_entity_services` over the whole snapshot (what Spark computes), and
  `analyzer attribute` (the stored path, which first narrows the snapshot to the entities' names);
- `analyzer export --parquet`;
- the Spark job in local mode (`analyzer spark attribute`), whose rows must equal DuckDB's;

and prints seconds, rows, and the DNS records per core-second of the Spark job (the sizing figure of
docs/spark.md).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from bench_attribution import build  # noqa: E402

from analyzer import attribution  # noqa: E402
from analyzer.export import export_parquet  # noqa: E402
from analyzer.workspace import Workspace, first_row  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entities", type=int, default=1_000)
    parser.add_argument("--records", type=int, default=20_000_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench-out")
    parser.add_argument("--driver-memory", default="12g", help="local mode: the JVM heap (driver = executor)")
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args()

    db, _ = build(args.out, args.entities, args.records)
    ws = Workspace(db)
    records = first_row(ws.con.execute("select count(*) from raw_dns_records"))[0]  # type: ignore[index]

    t = time.perf_counter()
    ws.con.execute("create or replace temp table live as select * from int_entity_services")
    duck_live = time.perf_counter() - t
    t = time.perf_counter()
    attribution.refresh(ws)
    duck_stored = time.perf_counter() - t
    duck_rows = first_row(ws.con.execute("select count(*) from live"))[0]  # type: ignore[index]

    export_dir, spark_out = args.out / "spark-export", args.out / "spark-out"
    shutil.rmtree(export_dir, ignore_errors=True)
    t = time.perf_counter()
    exported = export_parquet(ws, export_dir)
    export_s = time.perf_counter() - t

    from analyzer.spark import job

    t = time.perf_counter()
    spark = job.session(
        f"local[{args.cores}]",
        {
            "spark.driver.memory": args.driver_memory,
            "spark.ui.showConsoleProgress": "false",
            "spark.log.level": "ERROR",
            "spark.sql.shuffle.partitions": str(4 * args.cores),
            "spark.local.dir": str(args.out / "spark-tmp"),
        },
    )
    startup = time.perf_counter() - t
    result = job.attribute(spark, export_dir, spark_out)
    spark_s = result.seconds

    parquet = f"{(spark_out / 'attr_entity_services').as_posix()}/*.parquet"
    # both directions, evidence included (its JSON text is the same on both engines)
    differ = first_row(
        ws.con.execute(
            "select (select count(*) from (select * from live except all select * from read_parquet($1))), "
            "(select count(*) from (select * from read_parquet($1) except all select * from live))",
            [parquet],
        )
    )
    print(f"DNS records                       {records:,}")
    print(f"DuckDB live int_entity_services   {duck_live:8.1f} s   {duck_rows:,} rows")
    print(f"DuckDB analyzer attribute (stored){duck_stored:8.1f} s")
    print(f"analyzer export --parquet         {export_s:8.1f} s   {exported.bytes / 2**20:,.0f} MiB")
    print(f"Spark session start               {startup:8.1f} s")
    print(
        f"Spark job local[{args.cores}]                {spark_s:8.1f} s   {result.rows['attr_entity_services']:,} rows"
    )
    print(f"  rows only in DuckDB's answer: {differ[0]}, only in Spark's: {differ[1]}")  # type: ignore[index]
    print(
        f"  Spark: {records / spark_s / args.cores:,.0f} DNS records per core-second; ratio to DuckDB live {spark_s / duck_live:.1f}x"
    )
    print(
        f"  Spark settings: driver memory {args.driver_memory}, shuffle partitions {4 * args.cores}, pid {os.getpid()}"
    )
    spark.stop()


if __name__ == "__main__":
    main()

"""Benchmark of the presentation layer on a synthetic attr_entity_services TABLE (the contract
columns), against a baseline measured in the same run: fetching the same rows to Arrow.

    .venv/bin/python scripts/bench_report.py [--entities 1000] [--snapshots 3]

Prints seconds and the ratio to the baseline for: building the report (latest snapshot), each
output format, and `explain` by entity name and by address. Synthetic data only; nothing is read
from or written to the network."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from report_support import ENTITY_SERVICES_DDL, SUMMARY_VIEW

from analyzer.explain import explain
from analyzer.report import Filters, build_report, render
from analyzer.workspace import Workspace

PROVIDERS = [
    ("amazon", "Amazon Web Services", "Amazon", "US"),
    ("google", "Google Cloud / Google Workspace", "Alphabet", "US"),
    ("microsoft", "Microsoft Azure / Microsoft 365", "Microsoft", "US"),
    ("cloudflare", "Cloudflare", "Cloudflare", "US"),
    ("alibaba", "Alibaba Cloud", "Alibaba", "CN"),
    ("tencent", "Tencent Cloud", "Tencent", "CN"),
    ("digicert", "DigiCert", "DigiCert", "US"),
    ("letsencrypt", "Let's Encrypt", "Internet Security Research Group", "US"),
]

FILL = """
insert into attr_entity_services
with e as (select range as i from range(?)),
s as (select unnest(['web_hosting', 'cdn', 'email', 'email_sending', 'dns_hosting', 'tls_ca']) as service),
k as (select range as k from range(2)),
d as (select range as d from range(?)),
p as (select * from bench_providers),
rows as (
    select
        e.i, s.service, k.k, d.d,
        (e.i * 7 + k.k * 3 + length(s.service)) % 8 as pi
    from e, s, k, d
),
numbered as (select row_number() over () as n, * from p)
select
    'EL-' || lpad(cast(i as varchar), 6, '0'),
    'Synthetic Company ' || i || ' Co., Ltd.',
    case when i % 3 = 0 then 'MEU' else 'EL' end,
    date '2019-01-01' + cast(i % 1500 as integer),
    'company' || i || '.example',
    service,
    provider_id, provider_name, provider_parent, provider_country,
    case when (i + k) % 11 = 0 then 'via_intermediary' when (i + k) % 13 = 0 then 'gateway' else 'customer' end,
    case when (i + k) % 7 = 0 then 'medium' else 'high' end,
    '[{{"kind":"entity","text":"watchlist names company' || i || '.example","dataset_id":1,"date":"2024-05-01"}},'
    || '{{"kind":"dns","text":"company' || i || '.example A 10.' || (i % 250) || '.' || k || '.' || d || '","dataset_id":2,"date":"2024-05-01"}},'
    || '{{"kind":"range","text":"in published range","dataset_id":3,"date":"2024-05-01"}},'
    || '{{"kind":"rule","text":"published range","dataset_id":null,"date":null}}]',
    date '2024-01-01' + cast(d * 30 as integer)
from rows join numbered on numbered.n = rows.pi + 1
"""


def timed(fn: Callable[[], Any], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entities", type=int, default=1000)
    parser.add_argument("--snapshots", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp) / "bench.duckdb")
        ws.con.execute(
            "create temp table bench_providers (provider_id varchar, provider_name varchar, "
            "provider_parent varchar, provider_country varchar)"
        )
        ws.con.executemany("insert into bench_providers values (?, ?, ?, ?)", PROVIDERS)
        ws.con.execute("drop view if exists attr_provider_summary")
        ws.con.execute("drop view if exists attr_entity_services")
        ws.con.execute(ENTITY_SERVICES_DDL)
        ws.con.execute(FILL.replace("{{", "{").replace("}}", "}"), [args.entities, args.snapshots])
        ws.con.execute(SUMMARY_VIEW)
        rows = ws.con.execute("select count(*) from attr_entity_services").fetchone()[0]  # type: ignore[index]
        print(f"attr_entity_services: {rows:,} rows, {args.entities:,} entities, {args.snapshots} snapshots")

        base = timed(lambda: ws.arrow("select * from attr_entity_services"))
        print(f"{'baseline: select * to Arrow':<40} {base:8.3f} s   1.0x")
        report = build_report(ws)
        results = [("build_report (latest snapshot)", timed(lambda: build_report(ws)))]
        results.append(
            (
                "build_report --as-of",
                timed(lambda: build_report(ws, Filters(as_of=dt.date(2024, 2, 1)))),
            )
        )
        for fmt in ("table", "md", "csv", "json", "html"):
            results.append((f"render {fmt}", timed(lambda fmt=fmt: render(report, fmt))))
        results.append(("explain entity name", timed(lambda: explain(ws, "Synthetic Company 42 Co., Ltd."))))
        results.append(("explain address", timed(lambda: explain(ws, "10.42.1.0"))))
        for label, seconds in results:
            print(f"{label:<40} {seconds:8.3f} s {seconds / base:6.1f}x")
        html = render(report, "html")
        print(f"html size: {len(html) / 1e6:.1f} MB for {len(report.claims):,} claims")
        ws.close()


if __name__ == "__main__":
    main()

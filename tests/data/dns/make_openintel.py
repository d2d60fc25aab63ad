"""Writes the OpenINTEL-format Parquet fixtures of this folder (run from the repository root:
`.venv/bin/python tests/data/dns/make_openintel.py`). Columns, names and types follow the OpenINTEL
data dictionary (openintel.nl/background/dictionary): STRING -> string, INTEGER -> int32, LONG -> int64,
DOUBLE -> double; sparse rows (only the value column of the response_type is set); names carry the
trailing dot and the case of the response; a CNAME chain is one row per hop under one query_name."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).parent
SCHEMA = pa.schema(
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
        ("section", pa.string()),
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
        ("soa_refresh", pa.int64()),
        ("soa_retry", pa.int64()),
        ("soa_expire", pa.int64()),
        ("soa_minimum", pa.int64()),
    ]
)
TS = 1641081600000  # 2022-01-02T00:00:00Z in ms

ROWS = [
    # www: A query answered by two CNAME hops and the final A (one row per hop)
    dict(
        query_type="A",
        query_name="www.examplevision.example.",
        response_type="CNAME",
        response_name="WWW.ExampleVision.example.",
        cname_name="d111111abcdef8.CloudFront.net.",
    ),
    dict(
        query_type="A",
        query_name="www.examplevision.example.",
        response_type="CNAME",
        response_name="d111111abcdef8.cloudfront.net.",
        cname_name="d111111abcdef8.r.cloudfront.net.",
    ),
    dict(
        query_type="A",
        query_name="www.examplevision.example.",
        response_type="A",
        response_name="d111111abcdef8.r.cloudfront.net.",
        ip4_address="13.224.5.1",
    ),
    dict(
        query_type="A",
        query_name="www.examplevision.example.",
        response_type="A",
        response_name="d111111abcdef8.r.cloudfront.net.",
        ip4_address="13.224.5.2",
    ),
    dict(
        query_type="AAAA",
        query_name="examplevision.example.",
        response_type="AAAA",
        response_name="examplevision.example.",
        ip6_address="2600:9000:2000::1",
    ),
    dict(
        query_type="A",
        query_name="examplevision.example.",
        response_type="A",
        response_name="examplevision.example.",
        ip4_address="52.84.10.1",
    ),
    dict(
        query_type="MX",
        query_name="examplevision.example.",
        response_type="MX",
        response_name="examplevision.example.",
        mx_address="examplevision-example.mail.protection.outlook.com.",
        mx_preference=0,
    ),
    dict(
        query_type="NS",
        query_name="examplevision.example.",
        response_type="NS",
        response_name="examplevision.example.",
        ns_address="ns1-01.azure-dns.com.",
    ),
    dict(
        query_type="TXT",
        query_name="examplevision.example.",
        response_type="TXT",
        response_name="examplevision.example.",
        txt_text="v=spf1 include:spf.protection.outlook.com -all",
    ),
    dict(
        query_type="SOA",
        query_name="examplevision.example.",
        response_type="SOA",
        response_name="examplevision.example.",
        soa_mname="ns1-01.azure-dns.com.",
        soa_rname="azuredns-hostmaster.microsoft.com.",
        soa_serial=1,
        soa_refresh=3600,
        soa_retry=300,
        soa_expire=2419200,
        soa_minimum=300,
    ),
    # NXDOMAIN: a row without an answer
    dict(
        query_type="A",
        query_name="gone.examplevision.example.",
        response_type=None,
        response_name=None,
        status_code=3,
    ),
]


def table(rows: list[dict], schema: pa.Schema = SCHEMA) -> pa.Table:
    full = []
    for i, r in enumerate(rows):
        row = {f.name: None for f in schema}
        row.update(
            response_ttl=300,
            timestamp=TS + i * 1000,
            rtt=0.012,
            worker_id=3,
            status_code=0,
            ad_flag=0,
            section="answer",
        )
        row.update(r)
        full.append({k: v for k, v in row.items() if k in schema.names})
    return pa.Table.from_pylist(full, schema=schema)


def main() -> None:
    pq.write_table(table(ROWS), HERE / "openintel_sample.gz.parquet", compression="gzip")
    # A newer day in a second file (for the latest-snapshot rule): the apex moved to another address.
    later = [dict(ROWS[5], ip4_address="52.84.10.2")]
    pq.write_table(
        table(later).set_column(5, "timestamp", pa.array([TS + 86_400_000], pa.int64())),
        HERE / "day2" / "openintel_day2.gz.parquet",
        compression="gzip",
    )
    missing = pa.schema([f for f in SCHEMA if f.name != "cname_name"])
    pq.write_table(table(ROWS[:3], missing), HERE / "openintel_missing_column.gz.parquet", compression="gzip")


if __name__ == "__main__":
    (HERE / "day2").mkdir(exist_ok=True)
    main()

"""DNS snapshots: ingest (OpenINTEL Parquet, Rapid7 FDNS, zone files, CSV), normalisation, lookup.

The bulk formats are parsed by DuckDB (read_ndjson / read_parquet) straight into `raw_dns_records`;
names are normalised in SQL (`normalize.py`), with Python only for the rare non-ASCII name.
CNAME chains and name -> address resolution are views in `sql/15_stg_dns_cnames.sql` and `sql/23_*`..`25_*`.
"""

from __future__ import annotations

from analyzer.dns import ingest
from analyzer.ingest import register_kind

register_kind("dns", ingest.ingest, prepare=ingest.prepare)

"""Network attribution data: provider ranges, routed prefixes, AS organisations, IP lookup.
Registers the `ranges`, `pfx2as`, `ip2asn` and `as2org` kinds."""

from __future__ import annotations

from analyzer.ingest import register_kind
from analyzer.network import ranges, routing

register_kind("ranges", ranges.ingest_ranges)
register_kind("pfx2as", routing.ingest_pfx2as)
register_kind("ip2asn", routing.ingest_ip2asn)
register_kind("as2org", routing.ingest_as2org)

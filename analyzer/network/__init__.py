"""Network attribution data: provider ranges, routed prefixes, AS organisations, IP lookup.
Registers the `ranges`, `pfx2as`, `ip2asn` and `as2org` kinds, and the stored IPv4 points of bulk
lookup as a table kept fresh after ingests."""

from __future__ import annotations

from analyzer.ingest import after_drop, after_ingest, register_kind
from analyzer.network import points, ranges, routing

register_kind("ranges", ranges.ingest_ranges)
register_kind("pfx2as", routing.ingest_pfx2as)
register_kind("ip2asn", routing.ingest_ip2asn)
register_kind("as2org", routing.ingest_as2org)
# Which range file is a provider's current one depends on the files loaded: rebuilt after a drop.
after_drop("ranges", lambda ws: ranges.rebuild_range_intervals(ws.con))
# Bulk lookup's IPv4 points (analyzer/network/points.py) are rebuilt when the network inputs change.
after_ingest(points.refresh_points)

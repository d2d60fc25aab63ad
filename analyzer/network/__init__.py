"""Network attribution data: provider ranges, routed prefixes, AS organisations, IP lookup."""

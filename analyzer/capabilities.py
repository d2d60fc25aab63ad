"""The capabilities and the ingest kinds each one registers when it is imported.

analyzer.ingest imports them on the first ingest or drop (`load_capabilities`), not when a command
starts: a command that ingests nothing never loads the parsers. The names are here, not in the
framework (it knows no kind), so that `analyzer ingest --help` can list the kinds without loading
them; tests/test_layering.py checks that each package registers exactly its kinds.
"""

from __future__ import annotations

# In the order their after-ingest hooks run.
CAPABILITIES: dict[str, tuple[str, ...]] = {
    "analyzer.ct": ("ct",),
    "analyzer.dns": ("dns",),
    "analyzer.network": ("ranges", "pfx2as", "ip2asn", "as2org"),
    "analyzer.watchlists": ("csl", "watchlist"),
}


def kind_names() -> list[str]:
    """Every kind `analyzer ingest` accepts, sorted."""
    return sorted(kind for kinds in CAPABILITIES.values() for kind in kinds)

"""Certificate transparency: certificates in, entity domains and TLS CA attribution out.
Registers the `ct` kind, and the certificate-to-entity matches as a table kept fresh after ingests."""

from analyzer.ct import ingest
from analyzer.ct.links import decide, entity_domains, resolve_entity
from analyzer.ct.match import refresh_if_stale, refresh_matches
from analyzer.ingest import after_ingest, register_kind

register_kind("ct", ingest.ingest, prepare=ingest.prepare)
after_ingest(refresh_if_stale)

__all__ = ["decide", "entity_domains", "refresh_if_stale", "refresh_matches", "resolve_entity"]

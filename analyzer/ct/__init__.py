"""Certificate transparency: certificates in, entity domains and TLS CA attribution out."""

from analyzer.ct.links import decide, entity_domains, resolve_entity
from analyzer.ct.match import refresh_if_stale, refresh_matches

__all__ = ["decide", "entity_domains", "refresh_if_stale", "refresh_matches", "resolve_entity"]

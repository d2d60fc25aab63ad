"""What TLS scans saw addresses serve (int_ssl_observations): for `analyzer lookup ADDRESS` and
`analyzer explain ADDRESS`, evidence about an address that needs no DNS record."""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from analyzer.workspace import Workspace

# Certificate names shown per observation; the rest are counted.
SHOWN_NAMES = 5


def served_certificates(ws: Workspace, addresses: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """address (canonical text) -> the certificates scans saw it serve, latest scan first."""
    wanted = []
    for text in addresses:
        try:
            wanted.append(str(ipaddress.ip_address(text.strip())))
        except ValueError:
            continue
    if not wanted:
        return {}
    rows = ws.rows(
        """
        select o.host_ip, o.port, o.observed_on, o.subject_o, o.subject_cn, o.names, o.issuer_o,
               o.issuer_cn, o.not_before, o.not_after, o.leaf_fingerprint_sha256, o.dataset_id,
               d.source as dataset_source
        from int_ssl_observations as o
        join datasets as d using (dataset_id)
        where o.host_ip in (select unnest(?::varchar[]))
        order by o.host_ip, o.observed_at desc nulls last, o.port
        """,
        [wanted],
    )
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        found[row.pop("host_ip")].append(row)
    return dict(found)


def describe(observation: dict[str, Any]) -> str:
    """'port 443 on 2013-09-10: O=Google Inc, CN=*.google.com, names a, b (+3), issuer Google ...'"""
    names = list(observation.get("names") or [])
    shown = ", ".join(names[:SHOWN_NAMES]) + (
        f" (+{len(names) - SHOWN_NAMES})" if len(names) > SHOWN_NAMES else ""
    )
    subject = ", ".join(
        part
        for part in (
            f"O={observation['subject_o']}" if observation.get("subject_o") else "",
            f"CN={observation['subject_cn']}" if observation.get("subject_cn") else "",
        )
        if part
    )
    issuer = observation.get("issuer_o") or observation.get("issuer_cn")
    return (
        f"port {observation.get('port')} on {observation.get('observed_on') or 'an unknown date'}: served a "
        f"certificate for {subject or 'no subject name'}"
        + (f", names {shown}" if names else ", no DNS names")
        + (f"; issuer {issuer}" if issuer else "")
    )

"""A fixture database for the report tests: TABLES named like the contract views
`attr_entity_services` / `attr_provider_summary` (DESIGN.md §4), since the views are built by the
attribution capability; the report code only queries them by name, so it works on either."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from analyzer.workspace import Workspace

D = dt.date

ENTITY_SERVICES_DDL = """
create table attr_entity_services (
    entity_id        varchar not null,
    entity_name      varchar not null,
    list_code        varchar not null,
    listed_on        date,
    domain           varchar not null,
    service          varchar not null,
    provider_id      varchar not null,
    provider_name    varchar,
    provider_parent  varchar,
    provider_country varchar,
    relationship     varchar not null,
    confidence       varchar not null,
    evidence         varchar,
    observed_on      date
)
"""

SUMMARY_VIEW = """
create table attr_provider_summary as
select
    provider_parent,
    service,
    count(distinct entity_id) as entities,
    list(distinct entity_name order by entity_name) as entity_names,
    any_value(provider_country) as provider_country,
    list(distinct provider_id order by provider_id) as provider_ids,
    count(distinct entity_id) filter (where observed_on >= listed_on) as entities_after_listing
from attr_entity_services
group by provider_parent, service
"""

NW = ("DEMO-nw", "Northwind Vision Technology Co., Ltd.", "DEMO", D(2019, 10, 9))
CT = ("DEMO-ct", "Contoso Surveillance Systems Ltd.", "DEMO", D(2020, 6, 5))
FB = ("EL-fb", "Fabrikam Biometrics Inc.", "EL", D(2021, 11, 3))

PROVIDERS = {
    "amazon": ("Amazon Web Services", "Amazon", "US"),
    "microsoft": ("Microsoft Azure / Microsoft 365", "Microsoft", "US"),
    "google": ("Google Cloud / Google Workspace", "Alphabet", "US"),
    "alibaba": ("Alibaba Cloud", "Alibaba", "CN"),
    "proofpoint": ("Proofpoint", "Proofpoint", "US"),
    "digicert": ("DigiCert", "DigiCert", "US"),
}


def step(kind: str, text: str, dataset_id: int | None, date: str | None, **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "text": text, "dataset_id": dataset_id, "date": date, **extra}


def row(
    entity: tuple, domain: str, service: str, provider: str, rel: str, conf: str, on: dt.date, steps: list
) -> tuple:
    name, parent, country = PROVIDERS[provider]
    return (*entity, domain, service, provider, name, parent, country, rel, conf, json.dumps(steps), on)


ROWS = [
    row(
        NW,
        "northwind-vision.example",
        "web_hosting",
        "amazon",
        "customer",
        "high",
        D(2024, 5, 1),
        [
            step("entity", "watchlist names northwind-vision.example", 1, "2024-05-01"),
            step("dns", "www.northwind-vision.example A 3.5.140.10", 2, "2024-05-01", address="3.5.140.10"),
            step(
                "range", "3.5.140.0/22 is AMAZON EC2 ap-northeast-2", 3, "2025-07-25", prefix="3.5.140.0/22"
            ),
            step("rule", "published range: EC2 is web_hosting", None, None),
        ],
    ),
    row(
        NW,
        "northwind-vision.example",
        "web_hosting",
        "amazon",
        "customer",
        "high",
        D(2023, 5, 1),
        [
            step("dns", "www.northwind-vision.example A 3.5.140.10", 4, "2023-05-01", address="3.5.140.10"),
        ],
    ),
    row(
        NW,
        "northwind-vision.example",
        "email",
        "microsoft",
        "customer",
        "high",
        D(2024, 5, 1),
        [
            step("dns", "MX northwind-vision-example.mail.protection.outlook.com", 2, "2024-05-01"),
            step("catalog", "*.mail.protection.outlook.com is Microsoft 365 email", None, None),
        ],
    ),
    row(
        NW,
        "northwind-vision.example",
        "cdn",
        "alibaba",
        "customer",
        "medium",
        D(2024, 5, 1),
        [
            step("dns", "cdn.northwind-vision.example A 47.74.0.10", 2, "2024-05-01", address="47.74.0.10"),
            step("route", "47.74.0.0/15 originated by AS45102", 5, "2024-05-01"),
            step("as_org", "AS45102 ALIBABA-US-NET, Alibaba", 6, "2024-04-01"),
            step("rule", "ASN-only match: no published range covers the address", None, None),
        ],
    ),
    row(
        CT,
        "contoso-surveillance.example",
        "email",
        "proofpoint",
        "gateway",
        "high",
        D(2024, 5, 1),
        [
            step("dns", "MX mx0a-001.pphosted.com", 2, "2024-05-01"),
            step("rule", "pphosted.com is a mail-filtering gateway", None, None),
        ],
    ),
    row(
        CT,
        "contoso-surveillance.example",
        "web_hosting",
        "google",
        "via_intermediary",
        "high",
        D(2024, 5, 1),
        [
            step(
                "cname",
                "shop.contoso-surveillance.example CNAME shops.saas.example",
                2,
                "2024-05-01",
                name="shop.contoso-surveillance.example",
                target="shops.saas.example",
            ),
            step("address", "shops.saas.example A 34.64.0.10", 2, "2024-05-01", address="34.64.0.10"),
        ],
    ),
    row(
        CT,
        "contoso-surveillance.example",
        "tls_ca",
        "digicert",
        "customer",
        "high",
        D(2024, 3, 1),
        [
            step(
                "certificate",
                "crt.sh 123: issuer GeoTrust TLS RSA CA G1 <script>alert(1)</script>",
                7,
                "2024-03-01",
            ),
        ],
    ),
    row(
        FB,
        "fabrikam-biometrics.example",
        "email_sending",
        "google",
        "verification_only",
        "low",
        D(2024, 5, 1),
        [
            step("dns", "TXT google-site-verification=abc", 2, "2024-05-01"),
        ],
    ),
]

DATASETS = [
    (1, "watchlist", "yaml", "datasets/demo/watchlist.yaml", "a" * 64, D(2024, 5, 1)),
    (2, "dns", "fdns", "datasets/demo/dns/fdns_a.json.gz", "b" * 64, D(2024, 5, 1)),
    (3, "ranges", "aws", "datasets/ranges/aws-ip-ranges.json", "c" * 64, D(2025, 7, 25)),
    (4, "dns", "fdns", "old-fdns.json.gz", "d" * 64, D(2023, 5, 1)),
    (5, "pfx2as", "caida", "routeviews.pfx2as", "e" * 64, D(2024, 5, 1)),
    (6, "as2org", "jsonl", "as-org2info.jsonl", "f" * 64, D(2024, 4, 1)),
    (7, "ct", "crtsh", "crtsh.json", "0" * 64, D(2024, 3, 1)),
]


def make_fixture(ws: Workspace) -> Workspace:
    """Create the contract tables (replacing the views if this version has them) and fill them."""
    con = ws.con
    con.execute("drop view if exists attr_provider_summary")
    con.execute("drop view if exists attr_entity_services")
    con.execute(ENTITY_SERVICES_DDL)
    con.executemany("insert into attr_entity_services values (" + ", ".join("?" * 14) + ")", ROWS)
    con.execute(SUMMARY_VIEW)
    con.executemany(
        "insert into datasets (dataset_id, kind, format, source, sha256, bytes, snapshot_date) "
        "values (?, ?, ?, ?, ?, 100, ?)",
        DATASETS,
    )
    return ws

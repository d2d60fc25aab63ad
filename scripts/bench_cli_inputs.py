"""Generated inputs of scripts/bench_cli.py, written once into bench-out/cli/ and reused.

- `addresses`: N random IPv4 strings, one per line (what `analyzer lookup -` reads on stdin).
- `dns_records`: a forward-DNS snapshot shaped like a real dump, domain by domain: registrable domains
  (syllable names under a realistic TLD mix), each with its apex A/AAAA, MX (Google, Microsoft 365,
  own host or a hoster), NS (Cloudflare, Route 53, GoDaddy, own or hoster), SOA, SPF and
  verification TXT, a `www` CNAME (apex, CloudFront, Akamai, a hoster) or A, usual subdomains
  (mail, api, shop, ...), `_dmarc` TXT and the A records of the CDN names the CNAMEs lead to.
  Addresses come from a pool of hosting /24 networks (many domains share a host), about 12.5
  records per domain (5 M records: 400 k domains).
- written as Rapid7 Sonar FDNS (`{"timestamp","name","type","value"}` JSON lines, lower-case
  types, MX "pref host.", quoted TXT, gzip level 6) and as OpenINTEL fDNS Parquet (the schema of
  tests/data/dns/make_openintel.py: trailing dots, sparse value columns, gzip pages) of the same
  records;
- `watchlist_and_certs`: N watchlist entities with one linked domain each, and a crt.sh JSON export of
  M certificates: a few per entity domain (some with the entity's name as subject), the rest for
  background domains, from the issuers of the real CA mix (Let's Encrypt, DigiCert, Sectigo, ...).
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
DAY = 1_640_908_800  # 2021-12-31T00:00:00Z, a Rapid7 FDNS publication day

SYLLABLES = [
    a + b
    for a in ["b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "ch", "st"]
    for b in ["a", "e", "i", "o", "u", "an", "er", "in", "on", "ar", "ix"]
]
TLDS = ["com", "net", "org", "de", "cn", "co.uk", "ru", "info", "io", "com.br", "fr", "nl", "jp", "xyz"]
TLD_P = [0.48, 0.07, 0.06, 0.06, 0.05, 0.04, 0.04, 0.03, 0.03, 0.03, 0.03, 0.03, 0.03, 0.02]
SUBDOMAINS = [
    "mail",
    "webmail",
    "smtp",
    "ftp",
    "api",
    "blog",
    "shop",
    "cdn",
    "m",
    "dev",
    "autodiscover",
    "cpanel",
    "vpn",
    "portal",
    "app",
    "static",
]
RECORDS_PER_DOMAIN = 12.5  # measured mean of the generator below (slot weights)


def _s(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(values), pa.string())


def _pick(rng: np.random.Generator, choices: list[str], n: int, p: list[float] | None = None) -> pa.Array:
    return pa.array(choices).take(pa.array(rng.choice(len(choices), n, p=p)))


def _join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _ipv4(rng: np.random.Generator, net24: np.ndarray) -> pa.Array:
    """Addresses inside the given /24 networks (integers), random host part."""
    host = rng.integers(1, 255, len(net24))
    return pc.binary_join_element_wise(
        _s(net24 >> 16), _s((net24 >> 8) & 255), _s(net24 & 255), _s(host), "."
    )


def _hex(rng: np.random.Generator, n: int, width: int) -> pa.Array:
    digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    return _fixed_strings(digits[rng.integers(0, 16, (n, width))])


def _fixed_strings(raw: np.ndarray) -> pa.Array:
    """Rows of a uint8 matrix as strings, without a Python loop."""
    n, width = raw.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(raw.tobytes()))


def _token(rng: np.random.Generator, n: int, width: int) -> pa.Array:
    alphabet = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", np.uint8)
    return _fixed_strings(alphabet[rng.integers(0, len(alphabet), (n, width))])


def dns_records(records: int, seed: int = 7) -> pa.Table:
    """`records` DNS records of ~records/12.5 domains: columns name, type (upper case), value
    (Rapid7 form: 'pref host' for MX, no quotes for TXT), pref (MX), ttl, ts (epoch s), group
    (domain index, for ordering)."""
    rng = np.random.default_rng(seed)
    n_dom = int(records / RECORDS_PER_DOMAIN * 1.01) + 10  # a little more; the tail is cut
    ids = rng.permutation(len(SYLLABLES) ** 3)[:n_dom]
    syl = pa.array(SYLLABLES)
    k = len(SYLLABLES)
    label = _join(
        syl.take(pa.array(ids // (k * k))), syl.take(pa.array((ids // k) % k)), syl.take(pa.array(ids % k))
    )
    tld = _pick(rng, TLDS, n_dom, TLD_P)
    domain = _join(label, ".", tld)
    hoster = rng.integers(0, 400, n_dom)  # each domain's web/DNS hoster
    home24 = (rng.integers(0, 20_000, n_dom) * 7919) % (222 << 16) + (1 << 16)  # a.b.c of hosting /24s
    parts: list[dict[str, pa.Array | np.ndarray]] = []

    def add(
        dom: np.ndarray, order: int, prefix: pa.Array | str, rtype: str, value: pa.Array, pref=None
    ) -> None:
        n = len(dom)
        name = _join(prefix, domain.take(pa.array(dom))) if prefix else domain.take(pa.array(dom))
        parts.append(
            {
                "group": dom,
                "order": np.full(n, order),
                "name": name,
                "type": pa.array(np.full(n, rtype)),
                "value": value,
                "pref": pa.array(pref if pref is not None else np.full(n, -1), pa.int32()),
            }
        )

    all_dom = np.arange(n_dom)
    # apex A (1 or 2 addresses in the domain's hosting /24) and AAAA for a third
    a2 = all_dom[rng.random(n_dom) < 0.3]
    for order, dom in enumerate([all_dom, a2]):
        add(dom, order, "", "A", _ipv4(rng, home24[dom]))
    v6 = all_dom[rng.random(n_dom) < 0.3]
    add(v6, 2, "", "AAAA", _join("2606:4700:", _hex(rng, len(v6), 4), "::", _hex(rng, len(v6), 4)))
    # MX: Google (5 hosts), Microsoft 365 (1), own mail host (1-2), a hoster (2), none
    mx_kind = rng.choice(5, n_dom, p=[0.25, 0.2, 0.3, 0.15, 0.1])
    google = all_dom[mx_kind == 0]
    for i, (pref, host) in enumerate(
        [
            (1, "aspmx.l.google.com."),
            (5, "alt1.aspmx.l.google.com."),
            (5, "alt2.aspmx.l.google.com."),
            (10, "alt3.aspmx.l.google.com."),
            (10, "alt4.aspmx.l.google.com."),
        ]
    ):
        add(
            google,
            10 + i,
            "",
            "MX",
            pa.array(np.full(len(google), f"{pref} {host}")),
            np.full(len(google), pref),
        )
    ms = all_dom[mx_kind == 1]
    dashed = pc.replace_substring(domain.take(pa.array(ms)), ".", "-")
    add(ms, 15, "", "MX", _join("0 ", dashed, ".mail.protection.outlook.com."), np.zeros(len(ms)))
    own = all_dom[mx_kind == 2]
    add(own, 16, "", "MX", _join("10 mail.", domain.take(pa.array(own)), "."), np.full(len(own), 10))
    own2 = own[rng.random(len(own)) < 0.5]
    add(own2, 17, "", "MX", _join("20 mx2.", domain.take(pa.array(own2)), "."), np.full(len(own2), 20))
    hosted = all_dom[mx_kind == 3]
    for i, pref in enumerate((10, 20)):
        add(
            hosted,
            18 + i,
            "",
            "MX",
            _join(f"{pref} mx{i + 1}.hoster", _s(hoster[hosted]), ".net."),
            np.full(len(hosted), pref),
        )
    # NS: 2 to 4 names of the DNS provider
    ns_kind = rng.choice(5, n_dom, p=[0.3, 0.15, 0.15, 0.1, 0.3])
    n_ns = rng.integers(2, 5, n_dom)
    cf_names = pa.array(
        ["ada", "bob", "cruz", "dana", "elle", "fay", "gus", "hal", "ivy", "jim", "kai", "lea"]
    )
    for i in range(4):
        dom = all_dom[n_ns > i]
        kind = ns_kind[dom]
        aws = rng.integers(0, 2048, len(dom))
        value = pc.case_when(
            pc.make_struct(*[pa.array(kind == j) for j in range(4)]),
            _join(cf_names.take(pa.array((hoster[dom] + i) % 12)), ".ns.cloudflare.com."),
            _join("ns-", _s(aws), ".awsdns-", _s(aws % 64), ".com."),
            _join("ns", _s(hoster[dom] % 80 + i), ".domaincontrol.com."),
            _join("ns", str(i + 1), ".", domain.take(pa.array(dom)), "."),
            _join("ns", str(i + 1), ".hoster", _s(hoster[dom]), ".net."),
        )
        add(dom, 20 + i, "", "NS", value)
    # SOA of the apex
    serial = _s(2021_00_00_00 + rng.integers(0, 12_31_99, n_dom))
    add(
        all_dom,
        25,
        "",
        "SOA",
        _join("ns1.hoster", _s(hoster), ".net. hostmaster.", domain, ". ", serial, " 7200 3600 1209600 3600"),
    )
    # TXT: SPF by mail provider, site verification tokens
    spf_kind = np.where(rng.random(n_dom) < 0.85, mx_kind, 4)
    spf_dom = all_dom[spf_kind < 4]
    spf = pc.case_when(
        pc.make_struct(*[pa.array(spf_kind[spf_dom] == j) for j in range(3)]),
        pa.array(np.full(len(spf_dom), "v=spf1 include:_spf.google.com ~all")),
        pa.array(np.full(len(spf_dom), "v=spf1 include:spf.protection.outlook.com -all")),
        _join("v=spf1 a mx ip4:", _ipv4(rng, home24[spf_dom]), " ~all"),
        _join("v=spf1 include:_spf.hoster", _s(hoster[spf_dom]), ".net ~all"),
    )
    add(spf_dom, 30, "", "TXT", spf)
    ver = all_dom[rng.random(n_dom) < 0.35]
    add(ver, 31, "", "TXT", _join("google-site-verification=", _token(rng, len(ver), 43)))
    ms_ver = all_dom[rng.random(n_dom) < 0.1]
    add(ms_ver, 32, "", "TXT", _join("MS=ms", _s(rng.integers(10_000_000, 99_999_999, len(ms_ver)))))
    # www: CNAME to the apex, CloudFront, Akamai or a hoster; else an A record
    www_kind = rng.choice(5, n_dom, p=[0.25, 0.12, 0.08, 0.1, 0.45])
    cname_dom = all_dom[www_kind < 4]
    kind = www_kind[cname_dom]
    cf_host = _join("d", _hex(rng, len(cname_dom), 13), ".cloudfront.net")
    target = pc.case_when(
        pc.make_struct(*[pa.array(kind == j) for j in range(3)]),
        domain.take(pa.array(cname_dom)),
        cf_host,
        _join("www.", domain.take(pa.array(cname_dom)), ".edgekey.net"),
        _join("sites.hoster", _s(hoster[cname_dom]), ".net"),
    )
    add(cname_dom, 40, "www.", "CNAME", target)
    a_dom = all_dom[www_kind == 4]
    add(a_dom, 41, "www.", "A", _ipv4(rng, home24[a_dom]))
    # the CDN names the CNAMEs lead to, with their own A records (two each, CDN address space)
    for kind_id, order in ((1, 42), (2, 44)):
        sel = kind == kind_id
        dom = cname_dom[sel]
        cdn24 = (0x0D2000 if kind_id == 1 else 0x170000) + rng.integers(0, 4096, len(dom))  # 13.32/16, 23/8
        for j in range(2):
            parts.append(
                {
                    "group": dom,
                    "order": np.full(len(dom), order + j),
                    "name": target.filter(pa.array(sel)),
                    "type": pa.array(np.full(len(dom), "A")),
                    "value": _ipv4(rng, cdn24),
                    "pref": pa.array(np.full(len(dom), -1), pa.int32()),
                }
            )
    # usual subdomains: A in the hosting /24, or a CNAME to the apex
    n_sub = np.minimum(rng.poisson(1.85, n_dom), len(SUBDOMAINS))
    for i in range(len(SUBDOMAINS)):
        dom = all_dom[n_sub > i]
        which = (rng.integers(0, len(SUBDOMAINS), len(dom)) + i) % len(SUBDOMAINS)
        prefix = _join(pa.array(SUBDOMAINS).take(pa.array(which)), ".")
        is_a = rng.random(len(dom)) < 0.75
        name = _join(prefix, domain.take(pa.array(dom)))
        value = pc.if_else(pa.array(is_a), _ipv4(rng, home24[dom]), domain.take(pa.array(dom)))
        parts.append(
            {
                "group": dom,
                "order": np.full(len(dom), 50 + i),
                "name": name,
                "type": pc.if_else(pa.array(is_a), pa.scalar("A"), pa.scalar("CNAME")),
                "value": value,
                "pref": pa.array(np.full(len(dom), -1), pa.int32()),
            }
        )
    dmarc = all_dom[rng.random(n_dom) < 0.25]
    add(
        dmarc,
        70,
        "_dmarc.",
        "TXT",
        _join("v=DMARC1; p=none; rua=mailto:dmarc@", domain.take(pa.array(dmarc))),
    )

    group = np.concatenate([p["group"] for p in parts])
    order = np.concatenate([p["order"] for p in parts])
    idx = np.lexsort((order, group))[:records]
    table = pa.table(
        {
            "group": pa.array(group),
            "name": pa.chunked_array([p["name"] for p in parts]).combine_chunks(),
            "type": pa.chunked_array([p["type"] for p in parts]).combine_chunks(),
            "value": pa.chunked_array([p["value"].cast(pa.string()) for p in parts]).combine_chunks(),
            "pref": pa.chunked_array([p["pref"] for p in parts]).combine_chunks(),
        }
    ).take(pa.array(idx))
    if table.num_rows < records:
        raise SystemExit(f"generator produced {table.num_rows:,} records, fewer than {records:,}")
    n = table.num_rows
    table = table.append_column("ts", pa.array(DAY + rng.integers(0, 86_400, n)))
    return table.append_column(
        "ttl", pa.array(rng.choice([300, 600, 3600, 14_400, 86_400], n).astype(np.int32))
    )


def _text(lines: pa.Array) -> memoryview:
    lines = lines.cast(pa.large_string())
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset : lines.offset + len(lines) + 1]
    return memoryview(lines.buffers()[2])[offsets[0] : offsets[-1]]


def write_fdns(table: pa.Table, path: Path) -> None:
    """Rapid7 FDNS JSON lines, gzip level 6 (what `gzip` and Rapid7 use)."""
    tmp = path.with_suffix(".tmp")
    comp = zlib.compressobj(6, zlib.DEFLATED, 31)
    with tmp.open("wb") as fh:
        for batch in table.to_batches(1_000_000):
            rtype = batch.column("type")
            value = batch.column("value")
            value = pc.if_else(pc.equal(rtype, "TXT"), _join('\\"', value, '\\"'), value)
            line = _join(
                '{"timestamp":"',
                pc.cast(batch.column("ts"), pa.string()),
                '","name":"',
                batch.column("name"),
                '","type":"',
                pc.utf8_lower(rtype),
                '","value":"',
                value,
                '"}\n',
            )
            fh.write(comp.compress(_text(line)))
        fh.write(comp.flush())
    tmp.rename(path)


def _openintel_schema() -> pa.Schema:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_openintel", ROOT / "tests/data/dns/make_openintel.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SCHEMA


def write_openintel(table: pa.Table, path: Path) -> None:
    """The same records as OpenINTEL fDNS rows (sparse value columns, trailing dots, gzip pages)."""
    schema = _openintel_schema()
    tmp = path.with_suffix(".tmp")
    with pq.ParquetWriter(tmp, schema, compression="gzip") as writer:
        for batch in table.to_batches(1_000_000):
            n = batch.num_rows
            rtype = batch.column("type")
            value = batch.column("value")
            name = _join(batch.column("name"), ".")

            def only(kind: str, values: pa.Array, rtype: pa.Array = rtype) -> pa.Array:
                return pc.if_else(pc.equal(rtype, kind), values, pa.scalar(None, values.type))

            mx_host = pc.replace_substring_regex(value, r"^\d+ ", "")
            soa = pc.split_pattern(pc.if_else(pc.equal(rtype, "SOA"), value, ". . 0 0 0 0 0"), " ")
            cols: dict[str, pa.Array] = {f.name: pa.nulls(n, f.type) for f in schema}
            cols.update(
                {
                    "query_type": pc.if_else(pc.equal(rtype, "CNAME"), pa.scalar("A"), rtype),
                    "query_name": name,
                    "response_type": rtype,
                    "response_name": name,
                    "response_ttl": batch.column("ttl"),
                    "timestamp": pc.multiply(batch.column("ts"), 1000),
                    "rtt": pa.array(np.full(n, 0.012)),
                    "worker_id": pa.array((np.arange(n) % 8).astype(np.int32)),
                    "status_code": pa.array(np.zeros(n, dtype=np.int32)),
                    "ad_flag": pa.array(np.zeros(n, dtype=np.int32)),
                    "section": pa.array(np.full(n, "answer")),
                    "ip4_address": only("A", value),
                    "ip6_address": only("AAAA", value),
                    "cname_name": only("CNAME", _join(value, ".")),
                    "mx_address": only("MX", mx_host),
                    "mx_preference": only("MX", batch.column("pref")),
                    "ns_address": only("NS", value),
                    "txt_text": only("TXT", value),
                    "soa_mname": only("SOA", pc.list_element(soa, 0)),
                    "soa_rname": only("SOA", pc.list_element(soa, 1)),
                    "soa_serial": only("SOA", pc.cast(pc.list_element(soa, 2), pa.int64(), safe=False)),
                }
            )
            for field, pos in (("soa_refresh", 3), ("soa_retry", 4), ("soa_expire", 5), ("soa_minimum", 6)):
                cols[field] = only("SOA", pc.cast(pc.list_element(soa, pos), pa.int64(), safe=False))
            writer.write_table(pa.table({f.name: cols[f.name].cast(f.type) for f in schema}, schema=schema))
    tmp.rename(path)


def write_addresses(path: Path, n: int, seed: int = 3) -> None:
    """n uniformly random IPv4 addresses, one per line."""
    rng = np.random.default_rng(seed)
    value = rng.integers(0, 2**32, n, dtype=np.uint64)
    text = pc.binary_join_element_wise(
        _s(value >> 24), _s((value >> 16) & 255), _s((value >> 8) & 255), _s(value & 255), "."
    )
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(bytes(_text(_join(text, "\n"))))
    tmp.rename(path)


# -- certificates ---------------------------------------------------------------------------------
# (issuer_ca_id, issuer DN, share): the issuers of a real CT sample, by share of certificates.
ISSUERS = [
    (295810, "C=US, O=Let's Encrypt, CN=R3", 0.30),
    (295814, "C=US, O=Let's Encrypt, CN=R10", 0.15),
    (295815, "C=US, O=Let's Encrypt, CN=R11", 0.10),
    (295819, "C=US, O=Let's Encrypt, CN=E5", 0.05),
    (16418, "C=US, O=Google Trust Services LLC, CN=GTS CA 1P5", 0.08),
    (183267, "C=US, O=Google Trust Services, CN=WR1", 0.04),
    (157939, "C=US, O=DigiCert Inc, CN=DigiCert TLS RSA SHA256 2020 CA1", 0.04),
    (160939, "C=US, O=DigiCert Inc, OU=www.digicert.com, CN=GeoTrust TLS RSA CA G1", 0.03),
    (
        1397,
        "C=GB, ST=Greater Manchester, L=Salford, O=Sectigo Limited, CN=Sectigo RSA Domain Validation Secure Server CA",
        0.07,
    ),
    (
        105478,
        'C=US, ST=Arizona, L=Scottsdale, O="GoDaddy.com, Inc.", OU=http://certs.godaddy.com/repository/, CN=Go Daddy Secure Certificate Authority - G2',
        0.03,
    ),
    (100010, "C=BE, O=GlobalSign nv-sa, CN=GlobalSign GCC R3 DV TLS CA 2020", 0.03),
    (183283, "C=US, O=Amazon, CN=Amazon RSA 2048 M02", 0.04),
    (132134, "C=AT, O=ZeroSSL, CN=ZeroSSL RSA Domain Secure Site CA", 0.02),
    (141710, "C=US, O=Microsoft Corporation, CN=Microsoft Azure RSA TLS Issuing CA 04", 0.01),
    (10051, 'C=CN, O="TrustAsia Technologies, Inc.", CN=TrustAsia RSA DV TLS CA G2', 0.01),
]


def entities_and_certs(out: Path, entities: int, certs: int, seed: int = 11) -> tuple[Path, Path]:
    """A watchlist YAML of `entities` companies (one linked domain each) and a crt.sh JSON export
    of `certs` certificates: 5 per entity domain, the rest for background registrable domains."""
    rng = np.random.default_rng(seed)
    watchlist, crtsh = out / f"tls_watchlist_{entities}.yaml", out / f"crtsh_{certs}.json"
    lines = ["list: BENCH", "name: Benchmark watchlist (synthetic)", "entities:"]
    entity_domains = [f"entity{i:05d}-corp.com" for i in range(entities)]
    for i, domain in enumerate(entity_domains):
        lines += [
            f"  - name: Synthetic Company {i} Co., Ltd.",
            "    country: CN",
            f"    domains: [{{domain: {domain}, source: synthetic}}]",
        ]
    watchlist.write_text("\n".join(lines) + "\n")
    per_entity = min(5, certs // max(entities, 1))
    n_bg = certs - per_entity * entities
    background = [f"site{j}.example{j % 997}.{TLDS[j % 5]}" for j in range(max(n_bg // 2, 1))]
    issuer_idx = rng.choice(
        len(ISSUERS), certs, p=np.array([i[2] for i in ISSUERS]) / sum(i[2] for i in ISSUERS)
    )
    start = rng.integers(0, 365, certs)
    with crtsh.open("w") as fh:
        fh.write("[")
        for c in range(certs):
            if c < per_entity * entities:
                domain = entity_domains[c // per_entity]
            else:
                domain = (
                    background[int(rng.integers(0, len(background)))]
                    if c % 64 == 0
                    else background[(c * 7919) % len(background)]
                )
            ca_id, dn, _ = ISSUERS[issuer_idx[c]]
            day = 19_000 + int(start[c])  # days since epoch: 2022-01-08 + 0..364
            nb = np.datetime64(day, "D").astype(str)
            na = np.datetime64(day + 90, "D").astype(str)
            row = {
                "issuer_ca_id": ca_id,
                "issuer_name": dn,
                "common_name": domain,
                "name_value": f"{domain}\nwww.{domain}",
                "id": 5_000_000_000 + c,
                "entry_timestamp": f"{nb}T01:02:03.456",
                "not_before": f"{nb}T00:00:00",
                "not_after": f"{na}T23:59:59",
                "serial_number": f"{c + 1:032x}",
                "result_count": 2,
            }
            fh.write(("," if c else "") + json.dumps(row, separators=(",", ":")))
        fh.write("]")
    return watchlist, crtsh

"""How much of what the peer projects know does the catalog answer? Before (a git ref) and after (this checkout).

    python scripts/check_catalog_coverage.py                       # baseline: main
    python scripts/check_catalog_coverage.py --baseline HEAD~3 --show-before-misses

Two generated checks, built from the peer files themselves (cdncheck sources_data.json, cloudcheck
cloud_providers_v2.json) and ingested with the CLI into a fresh database per side:
(a) names: one synthetic customer domain per peer target: a CNAME `cN.<suffix>` for a CDN/hosting
    namespace, an MX/NS host under it for a mail/DNS namespace, an SPF `include:<suffix>` for a
    sending domain (Rapid7 FDNS format). Right = `attr_domain_services` has a row for the domain with
    the expected service and provider. Targets: every cdncheck `common` suffix (service `cdn`, or the
    mapping's reclassification), and the cloudcheck domains mapping.yaml selects as customer targets
    (the rest of cloudcheck's domains are the companies' own sites and are not targets, see mapping.yaml).
(b) ASNs: one routed /24 per cloudcheck ASN (government networks excluded) in a RouteViews pfx2as file
    and an A record into it. Right = a `web_hosting` (or, for a CDN-only provider, `cdn`) row naming
    the expected provider.
Expected providers are our ids for the peers' names, from mapping.yaml of this checkout. A target
the mapping drops or reassigns (e.g. cdncheck's edgesuite.net under Edgecast: it is Akamai's) counts
as a miss and says so.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
# the shared real-data folder beside the checkout (/work/shared for /work/main and /work/wt/NAME)
REAL = next(
    (
        p / "shared/datasets/real/cdn_cloud_fingerprints"
        for p in ROOT.parents
        if (p / "shared/datasets/real").is_dir()
    ),
    ROOT.parent / "shared/datasets/real/cdn_cloud_fingerprints",
)
DAY = "2025-07-20"
EPOCH = 1752969600
sys.path.insert(0, str(ROOT / "scripts"))

# the importer's own selection rules, so the targets are exactly what mapping.yaml says
from import_peer_catalogs import _LITERAL_HOST, ImportError_, _selected, _target_id, read_json  # noqa: E402


@dataclass(frozen=True)
class Target:
    source: str  # cdncheck | cloudcheck
    peer_name: str
    value: str  # hostname suffix, or the ASN as text
    service: str  # expected service; "asn" for check (b)
    expected: str | None  # our provider id; None when the mapping skips the peer provider
    note: str = ""  # why the mapping disagrees with the peer, if it does


def name_targets(
    cdncheck: dict[str, Any], cloudcheck: dict[str, Any], mapping: dict[str, Any]
) -> list[Target]:
    # one target per (suffix, service, provider the peer names): two peer providers claiming one
    # suffix (cdncheck lists edgesuite.net under Akamai and Edgecast) are two targets
    out: dict[tuple[str, str, str | None], Target] = {}
    for name, suffixes in sorted(cdncheck["common"].items()):
        rule = (mapping.get("cdncheck") or {}).get(name) or {}
        for suffix in sorted(suffixes):
            service = (rule.get("services") or {}).get(suffix, "cdn")
            note = (rule.get("drop") or {}).get(suffix) or rule.get("skip") or ""
            target = Target("cdncheck", name, suffix, service, rule.get("id"), note)
            out.setdefault((suffix, service, target.expected), target)
    for name, item in sorted(cloudcheck.items()):
        rule = (mapping.get("cloudcheck") or {}).get(name) or {}
        if not rule.get("id"):
            continue
        domains = sorted({str(d).lower() for d in item.get("domains") or []})
        for service, selectors in (rule.get("targets") or {}).items():
            for selector in selectors:
                for domain, _ in _selected(domains, selector):
                    expected = _target_id(selector, rule["id"])
                    out.setdefault(
                        (domain, service, expected), Target("cloudcheck", name, domain, service, expected)
                    )
        for rx in (item.get("regexes") or {}).get("STORAGE_BUCKET_HOSTNAME") or []:
            literal = _LITERAL_HOST.search(rx)
            if literal:
                host = literal.group(1).replace("\\.", ".")
                target = Target("cloudcheck", name, host, "web_hosting", rule["id"])
                out.setdefault((host, "web_hosting", target.expected), target)
    return list(out.values())


def asn_targets(cloudcheck: dict[str, Any], mapping: dict[str, Any]) -> list[Target]:
    out = []
    for name, item in sorted(cloudcheck.items()):
        if "gov" in (item.get("tags") or []):
            continue
        rule = (mapping.get("cloudcheck") or {}).get(name) or {}
        for asn in sorted(int(a) for a in item.get("asns") or []):
            out.append(Target("cloudcheck", name, str(asn), "asn", rule.get("id"), rule.get("skip") or ""))
    return out


def domain_of(i: int, t: Target) -> str:
    return f"asn-{i}.example" if t.service == "asn" else f"cust-{i}.example"


def address_of(i: int) -> str:
    return f"11.{i // 256}.{i % 256}.10"


def write_inputs(folder: Path, names: list[Target], asns: list[Target]) -> tuple[Path, Path]:
    dns = folder / f"{DAY}-{EPOCH}-fdns_any.json.gz"
    with gzip.open(dns, "wt", encoding="utf-8") as fh:
        for i, t in enumerate(names):
            name = domain_of(i, t)
            rtype, value = {
                "email": ("mx", f"10 mx{i}.{t.value}"),
                "dns_hosting": ("ns", f"ns{i}.{t.value}"),
                "email_sending": ("txt", f"v=spf1 include:{t.value} -all"),
            }.get(t.service, ("cname", f"c{i}.{t.value}"))
            fh.write(
                json.dumps({"timestamp": str(EPOCH), "name": name, "type": rtype, "value": value}) + "\n"
            )
        for i, t in enumerate(asns):
            record = {"timestamp": str(EPOCH), "name": domain_of(i, t), "type": "a", "value": address_of(i)}
            fh.write(json.dumps(record) + "\n")
    routes = folder / f"routeviews-rv2-{DAY.replace('-', '')}-1200.pfx2as"
    routes.write_text(
        "".join(f"11.{i // 256}.{i % 256}.0\t24\t{t.value}\n" for i, t in enumerate(asns)), encoding="utf-8"
    )
    return dns, routes


def run_side(code_root: Path, work: Path, dns: Path, routes: Path) -> dict[str, Any]:
    """Ingest with the CLI of `code_root` into a fresh database; the rows and catalog facts it gives."""
    db = work / "coverage.duckdb"
    env = {**os.environ, "PYTHONPATH": str(code_root), "ANALYZER_HOME": str(code_root)}
    env.pop("ANALYZER_DB", None)

    def cli(*args: str, optional: bool = False) -> str:
        cmd = [sys.executable, "-m", "analyzer", "--db", str(db), *args]
        done = subprocess.run(cmd, env=env, cwd=code_root, capture_output=True, text=True, check=False)
        if done.returncode and not optional:
            raise SystemExit(f"{' '.join(cmd)} failed: {done.stderr.strip() or done.stdout.strip()}")
        return done.stdout

    cli("ingest", "pfx2as", str(routes), "--quiet")
    cli("ingest", "dns", str(dns), "--quiet")
    # attr_domain_services is a stored answer for every domain only after this (read-only `sql` cannot
    # build it); a baseline older than `attribute --all-domains` computes the view when asked
    cli("attribute", "--all-domains", optional=True)

    def query(sql: str) -> list[dict[str, Any]]:
        return json.loads(cli("sql", sql, "--format", "json") or "[]")

    rows = query(
        "select domain, service, provider_id from attr_domain_services where domain like '%.example'"
    )
    hosts = query("select distinct service, pattern, provider_id from catalog_hostnames")
    asns = query("select distinct asn, provider_id from catalog_asns")
    return {"rows": rows, "hosts": hosts, "asns": asns}


def score(names: list[Target], asns: list[Target], side: dict[str, Any]) -> dict[str, Any]:
    got: dict[str, set[tuple[str, str]]] = {}
    for r in side["rows"]:
        got.setdefault(r["domain"], set()).add((r["service"], r["provider_id"]))
    patterns = {(h["service"], h["pattern"]): h["provider_id"] for h in side["hosts"]}
    asn_owner = {int(a["asn"]): a["provider_id"] for a in side["asns"]}
    result: dict[str, Any] = {}
    for check, targets in (("names", names), ("asns", asns)):
        right, misses = 0, []
        for i, t in enumerate(targets):
            rows = got.get(domain_of(i, t), set())
            services = ("web_hosting", "cdn") if t.service == "asn" else (t.service,)
            if t.expected and any((s, t.expected) in rows for s in services):
                right += 1
                continue
            misses.append((t, miss_reason(t, rows, services, patterns, asn_owner)))
        result[check] = {"right": right, "total": len(targets), "misses": misses}
        for source in sorted({t.source for t in targets}):
            total = sum(1 for t in targets if t.source == source)
            missed = sum(1 for t, _ in misses if t.source == source)
            result[f"{check}/{source}"] = {"right": total - missed, "total": total}
    return result


def miss_reason(
    t: Target,
    rows: set[tuple[str, str]],
    services: tuple[str, ...],
    patterns: dict[tuple[str, str], str],
    asn_owner: dict[int, str],
) -> str:
    if t.expected is None:
        return f"peer provider not imported: {t.note or 'no mapping'}"
    others = sorted(p for s, p in rows if s in services)
    prefix = f"mapping disagrees with the peer: {t.note}; " if t.note else ""
    if others:
        return f"{prefix}named {', '.join(others)} instead of {t.expected}"
    if t.service == "asn":
        owner = asn_owner.get(int(t.value))
        return f"AS{t.value} is {owner}'s in the catalog" if owner else f"AS{t.value} not in the catalog"
    owner = patterns.get((t.service, t.value))
    if owner:
        return f"{prefix}pattern {t.value} is {owner}'s, but no row"
    return f"{prefix}no {t.service} pattern {t.value} in the catalog"


def export_ref(ref: str, folder: Path) -> Path:
    archive = folder / "baseline.tar"
    with archive.open("wb") as fh:
        subprocess.run(["git", "-C", str(ROOT), "archive", ref], stdout=fh, check=True)
    target = folder / "baseline"
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    return target


def pct(part: dict[str, Any]) -> str:
    total = part["total"] or 1
    return f"{part['right']}/{part['total']} ({100 * part['right'] / total:.1f} %)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cdncheck", type=Path, default=REAL / "cdncheck_sources_data.json.gz")
    parser.add_argument("--cloudcheck", type=Path, default=REAL / "cloudcheck_cloud_providers_v2.json.gz")
    parser.add_argument("--baseline", default="main", help="git ref of the 'before' side (default main)")
    parser.add_argument("--no-baseline", action="store_true", help="only this checkout")
    parser.add_argument("--show-before-misses", action="store_true")
    args = parser.parse_args(argv)
    mapping = yaml.safe_load((ROOT / "datasets/providers.d/peers/mapping.yaml").read_text(encoding="utf-8"))
    try:
        cdncheck, cloudcheck = read_json(args.cdncheck), read_json(args.cloudcheck)
    except ImportError_ as exc:
        print(f"error: {exc} (give --cdncheck/--cloudcheck)", file=sys.stderr)
        return 1
    names, asns = name_targets(cdncheck, cloudcheck, mapping), asn_targets(cloudcheck, mapping)
    with tempfile.TemporaryDirectory(prefix="coverage-") as tmp:
        folder = Path(tmp)
        dns, routes = write_inputs(folder, names, asns)
        sides = {}
        if not args.no_baseline:
            (folder / "before").mkdir()
            sides["before"] = score(
                names, asns, run_side(export_ref(args.baseline, folder), folder / "before", dns, routes)
            )
        (folder / "after").mkdir()
        sides["after"] = score(names, asns, run_side(ROOT, folder / "after", dns, routes))
    by_source = {s: sum(1 for t in names if t.source == s) for s in ("cdncheck", "cloudcheck")}
    print(
        f"(a) names: {len(names)} peer targets ({by_source['cdncheck']} cdncheck, {by_source['cloudcheck']} cloudcheck)"
    )
    print(f"(b) ASNs:  {len(asns)} cloudcheck ASNs (government networks excluded)")
    for check in ("names", "names/cdncheck", "names/cloudcheck", "asns"):
        line = "   ".join(f"{side} {pct(result[check])}" for side, result in sides.items())
        print(f"{check:17} {line}")
    for side, result in sides.items():
        if side == "before" and not args.show_before_misses:
            continue
        for check in ("names", "asns"):
            misses = result[check]["misses"]
            if misses:
                print(f"\n{side}: {check} misses ({len(misses)})")
            for t, reason in misses:
                print(f"  {t.source}:{t.peer_name} {t.service} {t.value} -> {t.expected}: {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

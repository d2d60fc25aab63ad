"""Address text <-> integers in SQL (sql/08) and prefix flattening (sql/09), checked against Python's
ipaddress module and a brute-force longest-prefix match."""

from __future__ import annotations

import bisect
import ipaddress
import itertools
import random

import pyarrow as pa
import pytest

from analyzer.workspace import Workspace


def _parse(ws: Workspace, text: str) -> tuple[int | None, int | None]:
    row = ws.con.execute("select net_family(?), net_ip(?)", [text, text]).fetchall()[0]
    return row[0], (int(row[1]) if row[1] is not None else None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.2.3.4", (4, 0x01020304)),
        ("255.255.255.255", (4, 2**32 - 1)),
        ("2001:db8::1", (6, int(ipaddress.ip_address("2001:db8::1")))),
        ("2001:DB8:0:0:0:0:0:A", (6, int(ipaddress.ip_address("2001:db8::a")))),
        ("::", (6, 0)),
        ("1:2:3:4:5:6:7::", (6, int(ipaddress.ip_address("1:2:3:4:5:6:7::")))),
        ("::1.2.3.4", (6, 0x01020304)),
        # an IPv4-mapped IPv6 address is the IPv4 address, in either notation
        ("::ffff:8.8.4.4", (4, int(ipaddress.ip_address("8.8.4.4")))),
        ("::ffff:808:404", (4, int(ipaddress.ip_address("8.8.4.4")))),
    ],
)
def test_valid_addresses_become_family_and_integer(
    ws: Workspace, text: str, expected: tuple[int, int]
) -> None:
    assert _parse(ws, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "256.1.1.1",
        "1.2.3",
        "1.2.3.4.5",
        "a.b.c.d",
        "",
        "2001:db8::1::2",
        "1:2:3:4:5:6:7:8:9",
        "1::2:3:4:5:6:7:8",
        "12345::",
        ":1::",
        "fe80::1%eth0",
        "example.com",
    ],
)
def test_invalid_text_is_null_not_an_error(ws: Workspace, text: str) -> None:
    assert _parse(ws, text) == (None, None)


def test_random_addresses_round_trip_like_ipaddress(ws: Workspace) -> None:
    rng = random.Random(7)
    values = [rng.getrandbits(128) for _ in range(3000)] + [rng.getrandbits(32) for _ in range(3000)]
    texts = [
        str(ipaddress.IPv6Address(v)) if i < 3000 else str(ipaddress.IPv4Address(v))
        for i, v in enumerate(values)
    ]
    ws.con.register("t", pa.table({"s": texts}))
    got = [row[0] for row in ws.con.execute("select net_ip(s)::varchar from t").fetchall()]
    expected = [
        str(v if i < 3000 and (v >> 32) != 0xFFFF else (v & 0xFFFFFFFF)) for i, v in enumerate(values)
    ]
    assert got == expected
    text_back = ws.con.execute(
        "select net_ip_text(4, net_ip(s)) from t where not contains(s, ':')"
    ).fetchall()
    assert [r[0] for r in text_back] == texts[3000:]


def _random_nested_prefixes(rng: random.Random) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    nets: set[ipaddress.IPv4Network | ipaddress.IPv6Network] = set()
    for _ in range(800):
        length = rng.randint(8, 28)
        net = ipaddress.ip_network((rng.getrandbits(32) >> (32 - length) << (32 - length), length))
        nets.add(net)
        for _ in range(rng.randint(0, 3)):  # nested more-specifics
            nets.add(rng.choice(list(net.subnets(new_prefix=min(32, length + rng.randint(1, 3))))))
    nets.update(ipaddress.ip_network(p) for p in ["::/0", "2001:db8::/32", "2001:db8:1::/48", "ffff::/16"])
    return sorted(nets, key=lambda n: (n.version, int(n.network_address), n.prefixlen))


def test_flatten_gives_disjoint_intervals_owned_by_the_longest_prefix(ws: Workspace) -> None:
    rng = random.Random(3)
    nets = _random_nested_prefixes(rng)
    ws.con.executemany(
        "insert into net_flat_input values (?, ?, ?, ?)",
        [(n.version, int(n.network_address), int(n.broadcast_address), i) for i, n in enumerate(nets)],
    )
    rows = [
        (f, int(lo), int(hi), ref)
        for f, lo, hi, ref in ws.con.execute(
            "select family, lo, hi, ref from net_flatten() order by family, lo"
        ).fetchall()
    ]
    for (f1, _, hi1, _), (f2, lo2, _, _) in itertools.pairwise(rows):
        assert f1 != f2 or lo2 > hi1, "intervals overlap"
    starts = [(f, lo) for f, lo, _, _ in rows]

    def brute(family: int, addr: int) -> object:
        inside = [
            n
            for n in nets
            if n.version == family and int(n.network_address) <= addr <= int(n.broadcast_address)
        ]
        return max(inside, key=lambda n: n.prefixlen) if inside else None

    for _ in range(400):
        net = rng.choice(nets)
        family = net.version
        addr = int(net.network_address) + rng.randint(-2, 600)
        addr = max(0, min(addr, (2**32 if family == 4 else 2**128) - 1))
        i = bisect.bisect_right(starts, (family, addr)) - 1
        got = (
            nets[rows[i][3]] if i >= 0 and rows[i][0] == family and rows[i][1] <= addr <= rows[i][2] else None
        )
        assert got == brute(family, addr), (family, addr)

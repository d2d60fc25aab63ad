"""RFC 1035 master (zone) files, streamed line by line: `$ORIGIN`, `$TTL`, `@`, relative names,
an omitted owner (the previous one), TTL and class in either order, parentheses over several lines,
quoted strings with `\\"`, `\\\\` and `\\DDD` escapes, `;` comments.

A record that cannot be read is rejected with its line number and the rest of the file loads; an
unbalanced parenthesis or quote at the end of the file stops the file, naming the line it opened on.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from analyzer.dns.load import BatchWriter
from analyzer.errors import SourceError
from analyzer.ingest.base import LoadContext, open_text
from analyzer.safe_text import shown

CLASSES = frozenset({"IN", "CH", "HS", "CS"})
_TTL = re.compile(r"^(\d+[smhdw]?)+$", re.IGNORECASE)
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# rdata positions that are domain names (made absolute against $ORIGIN)
NAME_FIELDS = {"CNAME": (0,), "NS": (0,), "PTR": (0,), "DNAME": (0,), "MX": (1,), "SOA": (0, 1), "SRV": (3,)}


@dataclass
class Token:
    text: str
    quoted: bool = False


@dataclass
class Entry:
    line: int
    owner_omitted: bool
    tokens: list[Token]


def ttl_seconds(text: str) -> int:
    total = 0
    for number, unit in re.findall(r"(\d+)([smhdw]?)", text.lower()):
        total += int(number) * _UNIT[unit]
    return total


def _unescape(raw: str) -> str:
    out = bytearray()
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            if raw[i + 1 : i + 4].isdigit() and len(raw[i + 1 : i + 4]) == 3:
                out.append(int(raw[i + 1 : i + 4]) & 0xFF)
                i += 4
                continue
            out.extend(raw[i + 1].encode())
            i += 2
            continue
        out.extend(ch.encode())
        i += 1
    return out.decode("utf-8", errors="replace")


def entries(path_label: str, lines: Iterator[str]) -> Iterator[Entry]:
    """Logical entries: tokens of one record, joined across parentheses, comments removed."""
    current: Entry | None = None
    depth = 0
    opened_at = 0
    for number, line in enumerate(lines, start=1):
        if current is None:
            current = Entry(number, line[:1] in (" ", "\t"), [])
        i, n = 0, len(line)
        while i < n:
            ch = line[i]
            if ch == ";":
                break
            if ch in " \t\r\n":
                i += 1
            elif ch == "(":
                if depth == 0:
                    opened_at = number
                depth += 1
                i += 1
            elif ch == ")":
                if depth == 0:
                    raise SourceError(path_label, "')' without a matching '('", line=number)
                depth -= 1
                i += 1
            elif ch == '"':
                j = i + 1
                while j < n and line[j] != '"':
                    j += 2 if line[j] == "\\" else 1
                if j >= n:
                    raise SourceError(path_label, "unterminated quoted string", line=number)
                current.tokens.append(Token(_unescape(line[i + 1 : j]), quoted=True))
                i = j + 1
            else:
                j = i
                while j < n and line[j] not in ' \t\r\n;()"':
                    j += 2 if line[j] == "\\" else 1
                current.tokens.append(Token(_unescape(line[i:j])))
                i = j
        if depth == 0:
            if current.tokens:
                yield current
            current = None
    if depth:
        raise SourceError(path_label, "'(' is never closed", line=opened_at)


def soa_serial(path: Path) -> tuple[str, int] | None:
    """(serial, line) of the first SOA record, read ahead of the load (a zone's SOA is usually its
    first record, but a tool may have sorted it anywhere: the root zone sample has it at line
    11,477). None when the file has no SOA."""
    with open_text(path) as fh:
        for entry in entries(str(path), fh):
            words = [t.text for t in entry.tokens if not t.quoted]
            upper = [w.upper() for w in words[:5]]
            if "SOA" in upper:
                rdata = words[upper.index("SOA") + 1 :]
                return (rdata[2], entry.line) if len(rdata) >= 3 else None
    return None


def serial_date(serial: str) -> dt.date | None:
    """The date of an SOA serial in the YYYYMMDDnn convention (RFC 1912 §2.2), else None."""
    if not (len(serial) == 10 and serial.isdigit()):
        return None
    try:
        day = dt.date(int(serial[:4]), int(serial[4:6]), int(serial[6:8]))
    except ValueError:
        return None
    return day if 1985 <= day.year <= 2100 else None


def origin_from_name(path: Path) -> str | None:
    """`example.com` for example.com.zone (also compressed: .zone.gz, .zone.bz2, ...), else None."""
    name = path.name.lower()
    for suffix in (".gz", ".bz2", ".xz", ".zst"):
        name = name.removesuffix(suffix)
    if name.endswith(".zone") and len(name) > len(".zone"):
        return path.name[: len(name) - len(".zone")]
    return None


def _absolute(name: str, origin: str | None, line: int) -> str:
    if name == "@":
        if origin is None:
            raise ValueError("'@' used before $ORIGIN is set")
        return origin
    if name.endswith("."):
        return name
    if origin is None:
        raise ValueError(f"relative name {shown(name)} used before $ORIGIN is set")
    return f"{name}.{origin}" if origin != "." else f"{name}."


def load(ctx: LoadContext, writer: BatchWriter, origin: str | None = None) -> int:
    """Parse the zone file into `writer`; returns records written (before normalisation rejects)."""
    origin = origin.rstrip(".") + "." if origin else None
    default_ttl: int | None = None
    last_owner: str | None = None
    last_ttl: int | None = None
    written = 0
    with open_text(ctx.path) as fh:
        for entry in entries(str(ctx.path), fh):
            toks = entry.tokens
            first = toks[0].text
            try:
                if first.upper() == "$ORIGIN":
                    origin = _absolute(toks[1].text, origin, entry.line)
                    continue
                if first.upper() == "$TTL":
                    default_ttl = ttl_seconds(toks[1].text)
                    continue
                if first.startswith("$"):
                    ctx.issues.warn_once(
                        first.upper(), f"directive {first} not supported (ignored)", entry.line
                    )
                    continue
                rest = toks
                if entry.owner_omitted:
                    if last_owner is None:
                        raise ValueError("record without an owner name and no previous owner")
                    owner = last_owner
                else:
                    owner = _absolute(first, origin, entry.line)
                    rest = toks[1:]
                ttl, rtype, klass = None, None, None
                while rest and rtype is None:
                    word = rest[0].text
                    if ttl is None and _TTL.match(word) and not rest[0].quoted:
                        ttl = ttl_seconds(word)
                    elif klass is None and word.upper() in CLASSES:
                        klass = word.upper()
                    else:
                        rtype = word.upper()
                    rest = rest[1:]
                if rtype is None or not rest:
                    raise ValueError("record without a type or data")
                fields = [t.text for t in rest]
                for pos in NAME_FIELDS.get(rtype, ()):
                    if pos >= len(fields):
                        raise ValueError(f"{rtype} record needs more fields than {len(fields)}")
                    fields[pos] = _absolute(fields[pos], origin, entry.line)
                preference = None
                if rtype == "MX":
                    if not fields[0].isdigit():
                        raise ValueError(f"MX preference {fields[0]!r} is not a number")
                    preference, value = int(fields[0]), fields[1]
                elif rtype in ("TXT", "SPF"):
                    value = "".join(fields)
                else:
                    value = " ".join(fields)
                ttl = ttl if ttl is not None else default_ttl if default_ttl is not None else last_ttl
            except (ValueError, IndexError) as exc:
                ctx.issues.reject(entry.line, f"zone file syntax: {exc}")
                continue
            last_owner, last_ttl = owner, ttl
            writer.add(entry.line, owner, rtype, value, preference, ttl)
            written += 1
    return written

"""Blocks of dotted-quad IPv4 lines parsed by numpy over the bytes at once, not a str per line.

numpy alone: the bulk lookup of plain addresses without the engine (analyzer.lookup_file)
uses it as the engine's bulk lookup does (analyzer.network.points.ipv4_block).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

# The bytes a block of bare dotted-quad lines may hold: digits, dots and newlines.
_QUAD_BYTES = b"0123456789.\n"


class Quads(NamedTuple):
    """A parsed block: `block` ends with a newline; line i is block[starts[i]:ends[i]] and is the
    address ints[i]."""

    block: bytes
    ints: np.ndarray
    starts: np.ndarray
    ends: np.ndarray


def parse_block(block: bytes) -> Quads | None:
    """The addresses of a block of lines that are all dotted-quad IPv4 addresses exactly as
    Python's ipaddress accepts them (0-255, no leading zero, no space, no empty line; the last
    newline optional); None when any line is something else (the caller then takes the general
    path)."""
    if not block or block.translate(None, _QUAD_BYTES):  # a byte that is not a digit, dot or newline
        return None
    if not block.endswith(b"\n"):
        block += b"\n"
    size = len(block)
    buf = np.frombuffer(block + b"\n\n", dtype=np.uint8)  # two more: a field's third digit is read
    newline = buf[:size] == 10
    ends = np.flatnonzero(newline | (buf[:size] == 46))  # the end of every field: a dot or the newline
    lines = int(np.count_nonzero(newline))
    if len(ends) != 4 * lines or not bool(newline[ends[3::4]].all()):
        return None  # some line has not exactly three dots
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    width = ends - starts
    if bool((width < 1).any() | (width > 3).any()):
        return None
    first = buf[starts].astype(np.int16) - 48
    second = buf[starts + 1].astype(np.int16) - 48
    third = buf[starts + 2].astype(np.int16) - 48
    value = np.where(
        width == 1, first, np.where(width == 2, first * 10 + second, first * 100 + second * 10 + third)
    )
    if bool(((width > 1) & (first == 0)).any() | (value > 255).any()):
        return None  # a leading zero (ipaddress refuses it) or an octet over 255
    octets = value.astype(np.uint32).reshape(lines, 4)
    ints = (octets[:, 0] << 24) | (octets[:, 1] << 16) | (octets[:, 2] << 8) | octets[:, 3]
    return Quads(block, ints, starts[0::4], ends[3::4])

"""Compressed inputs are recognised by their first bytes: a file's name never decides."""

from __future__ import annotations

import gzip
from pathlib import Path

from analyzer.compression import compression_of, is_gzip, open_maybe_compressed
from analyzer.ingest.base import open_text


def test_gzip_is_found_by_content_not_by_name(tmp_path: Path) -> None:
    packed = tmp_path / "records.txt"  # gzip bytes under a plain name
    packed.write_bytes(gzip.compress(b"name,type,value\n"))
    plain = tmp_path / "records.csv.gz"  # plain bytes under a .gz name
    plain.write_bytes(b"name,type,value\n")
    assert compression_of(packed) == "gzip" and is_gzip(packed)
    assert compression_of(plain) is None and not is_gzip(plain)
    for path in (packed, plain):
        with open_maybe_compressed(path) as fh:
            assert fh.read() == b"name,type,value\n"


def test_text_readers_see_the_same_lines_either_way(tmp_path: Path) -> None:
    packed = tmp_path / "list.csv.gz"
    packed.write_bytes(gzip.compress("\ufeffname\nHuawei\n".encode()))
    plain = tmp_path / "list.csv"
    plain.write_text("name\nHuawei\n", encoding="utf-8")
    for path in (packed, plain):
        with open_text(path) as fh:
            assert fh.read().splitlines() == ["name", "Huawei"]


def test_an_empty_file_is_not_compressed(tmp_path: Path) -> None:
    empty = tmp_path / "empty.gz"
    empty.write_bytes(b"")
    assert compression_of(empty) is None

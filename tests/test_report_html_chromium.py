"""The HTML report in a real headless Chromium: no script errors, sorting works, the tables, both
charts and the timeline are rendered and visible in a screenshot (pixels checked with a tiny PNG
decoder)."""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from report_support import make_fixture

from analyzer.report import build_report, render
from analyzer.workspace import Workspace

BROWSER = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="Chromium is not installed (apt-get install -y chromium); .ci/run installs it"
)

# Recorded before the page's own script runs; read back from the dumped DOM.
PROBE_HEAD = """<script>
window.__errors = [];
window.addEventListener('error', function (e) { window.__errors.push('error: ' + e.message); });
var __ce = console.error;
console.error = function () { window.__errors.push('console: ' + Array.prototype.join.call(arguments, ' ')); __ce.apply(console, arguments); };
</script>"""
PROBE_END = """<script>
window.addEventListener('load', function () {
  var r = {};
  try {
    var th = document.querySelector('#provider-summary th:nth-child(3)');
    th.click(); th.click();
    var counts = Array.prototype.map.call(document.querySelectorAll('#provider-summary tbody tr td:nth-child(3)'), function (td) { return +td.textContent; });
    r.sorted_desc = counts.join(',') === counts.slice().sort(function (a, b) { return b - a; }).join(',');
    r.aria = th.getAttribute('aria-sort');
    r.summary_rows = document.querySelectorAll('#provider-summary tbody tr').length;
    r.matrix_rows = document.querySelectorAll('#entity-matrix tbody tr').length;
    r.bars = document.querySelectorAll('svg.bars rect').length;
    r.heat = document.querySelectorAll('svg.heatmap rect.cell').length;
    var bar = document.querySelector('svg.bars rect').getBoundingClientRect();
    r.bar_width = bar.width;
    r.timelines = document.querySelectorAll('svg.timeline').length;
    r.spans = Array.prototype.map.call(document.querySelectorAll('svg.timeline rect.span'), function (s) { return s.getBoundingClientRect().width; });
    r.listings = document.querySelectorAll('svg.timeline line.listing').length;
    var listing = document.querySelector('svg.timeline line.listing').getBoundingClientRect();
    r.listing_height = listing.height;
    r.timeline_rows = document.querySelectorAll('#timeline-table tbody tr').length;
    var first = document.querySelector('#timeline-table th:nth-child(5)');
    first.click();
    var dates = Array.prototype.map.call(document.querySelectorAll('#timeline-table tbody tr td:nth-child(5)'), function (td) { return td.textContent; });
    r.timeline_sorted = dates.join(',') === dates.slice().sort().join(',');
    var link = document.querySelector('#entity-matrix a[href^="#ev-"]');
    link.click();
    r.opened = document.getElementById(link.getAttribute('href').slice(1)).open;
  } catch (e) { window.__errors.push('probe: ' + e.message); }
  r.errors = window.__errors;
  document.body.setAttribute('data-probe', JSON.stringify(r));
});
</script>"""


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert BROWSER is not None
    cmd = [
        BROWSER,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=5000",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def decode_png(data: bytes) -> tuple[int, int, int, bytes]:
    """(width, height, bytes per pixel, raw pixels) of an 8-bit RGB/RGBA non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if ctype == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif ctype == b"IDAT":
            idat += body
        pos += 12 + length
    assert header is not None
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and color in (2, 6) and interlace == 0, header
    bpp = 3 if color == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    out, prev = bytearray(), bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out += line
        prev = line
    return width, height, bpp, bytes(out)


@pytest.fixture
def html(ws: Workspace) -> str:
    return render(build_report(make_fixture(ws)), "html")


@pytest.fixture
def page(html: str, tmp_path: Path) -> Path:
    """The report with the error recorder first and the probe (which clicks around) last."""
    probed = html.replace("<head>", "<head>" + PROBE_HEAD, 1).replace("</body>", PROBE_END + "</body>", 1)
    path = tmp_path / "probed.html"
    path.write_text(probed, encoding="utf-8")
    return path


def test_page_runs_without_errors_and_its_tables_sort(page: Path, tmp_path: Path) -> None:
    result = chromium(tmp_path, "--dump-dom", page.as_uri())
    match = re.search(r"data-probe=\"([^\"]*)\"", result.stdout)
    assert match, f"no probe result in the DOM; chromium said: {result.stderr[-2000:]}"
    probe = json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert probe["errors"] == []
    assert probe["summary_rows"] == 7 and probe["matrix_rows"] == 3
    assert probe["sorted_desc"] and probe["aria"] == "descending"
    assert probe["bars"] == 6 and probe["heat"] == 3 * 6
    assert probe["bar_width"] > 0
    assert probe["opened"] is True
    assert probe["timelines"] == 3 and probe["listings"] == 3 and probe["timeline_rows"] == 7
    assert len(probe["spans"]) == 7 and min(probe["spans"]) >= 4 and probe["listing_height"] > 20
    assert probe["timeline_sorted"]


def test_screenshot_shows_tables_and_charts(html: str, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    shot = tmp_path / "shot.png"
    result = chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,1400", page.as_uri())
    assert shot.is_file(), f"no screenshot; chromium said: {result.stderr[-2000:]}"
    width, height, bpp, pixels = decode_png(shot.read_bytes())
    assert (width, height) == (1280, 1400)
    colors: dict[tuple[int, int, int], int] = {}
    for i in range(0, len(pixels), bpp * 2):  # every other pixel is plenty
        rgb = (pixels[i], pixels[i + 1], pixels[i + 2])
        colors[rgb] = colors.get(rgb, 0) + 1
    total = sum(colors.values())
    white = colors.get((255, 255, 255), 0)
    assert white < total * 0.97, "the page is (nearly) blank"
    assert colors.get((60, 120, 180), 0) > 500, "no bar-chart bars (#3c78b4) on screen"
    purple = sum(n for (r, g, b), n in colors.items() if r - g > 15 and b - g > 25)
    assert purple > 300, "no heatmap cells (#7b3fa0, purple: nothing else on the page is) on screen"
    assert colors.get((238, 242, 247), 0) > 1000, "no table headers (#eef2f7) on screen"


def test_screenshot_shows_the_timeline(html: str, tmp_path: Path) -> None:
    # the timeline alone, so it is on screen without scrolling
    start, end = html.index('<section id="timeline">'), html.index("<section><h2>Labels")
    page = tmp_path / "timeline.html"
    page.write_text(html[: html.index("<body>") + 6] + html[start:end] + "</body></html>", encoding="utf-8")
    shot = tmp_path / "timeline.png"
    result = chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,900", page.as_uri())
    assert shot.is_file(), f"no screenshot; chromium said: {result.stderr[-2000:]}"
    _, _, bpp, pixels = decode_png(shot.read_bytes())
    colors: dict[tuple[int, int, int], int] = {}
    for i in range(0, len(pixels), bpp):
        rgb = (pixels[i], pixels[i + 1], pixels[i + 2])
        colors[rgb] = colors.get(rgb, 0) + 1
    assert colors.get((47, 133, 90), 0) > 200, "no ongoing spans (#2f855a) on screen"
    assert colors.get((198, 40, 40), 0) > 60, "no listing lines (#c62828) on screen"
    assert colors.get((238, 242, 247), 0) > 1000, "no timeline table header (#eef2f7) on screen"

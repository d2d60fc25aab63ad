"""A real HTTPS server on 127.0.0.1 for the refresh tests, with a CA made in test setup.

Each route serves fixed bytes and may be scripted to misbehave on successive requests
("500", "429:SECONDS", "cut:BYTES", "eof:BYTES", "stall:BYTES", "redirect:URL", "html"); Range, If-Range and
If-None-Match are honoured like a CDN does. Every request's path and headers are recorded.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass
class Route:
    body: bytes
    content_type: str = "application/octet-stream"
    etag: str | None = None
    last_modified: str | None = None
    script: list[str] = field(default_factory=list)  # one action per request, then normal service
    ranges: bool = True


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1/localhost; returns (ca.pem, cert.pem, key.pem)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "analyzer test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = (folder / "ca.pem", folder / "cert.pem", folder / "key.pem")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


def _canon(path: str) -> str:
    """Path with its query parameters decoded and sorted: `a=1&b=%2F` matches `b=/&a=1`."""
    parts = urlsplit(path)
    return parts.path + "?" + "&".join(f"{k}={v}" for k, v in sorted(parse_qsl(parts.query)))


class _Handler(BaseHTTPRequestHandler):
    server: LocalServer

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        srv = self.server
        srv.seen.append(Seen(self.path, dict(self.headers.items())))
        route = srv.routes.get(self.path) or srv.routes.get(_canon(self.path)) or srv.default
        if route is None:
            self._plain(404, b"not found")
            return
        action = route.script.pop(0) if route.script else "ok"
        if action == "500":
            self._plain(500, b"internal error")
            return
        if action.startswith("429:"):
            self._plain(429, b"slow down", {"Retry-After": action[4:]})
            return
        if action.startswith("redirect:"):
            self._plain(302, b"", {"Location": action[9:]})
            return
        if action.startswith("eof:"):
            # No Content-Length (HTTP/1.0, the body ends where the connection closes): part of it.
            self.send_response(200)
            self.send_header("Content-Type", route.content_type)
            self.end_headers()
            self.wfile.write(route.body[: int(action[4:])])
            self.wfile.flush()
            self.close_connection = True
            return
        if action == "html":
            self._plain(200, b"<html>maintenance</html>", {"Content-Type": "text/html; charset=utf-8"})
            return
        if route.etag and self.headers.get("If-None-Match") == route.etag:
            self._plain(304, b"", {"ETag": route.etag})
            return
        body, start, status = route.body, 0, 200
        wanted = self.headers.get("Range")
        if_range = self.headers.get("If-Range")
        if wanted and route.ranges and (if_range is None or if_range in (route.etag, route.last_modified)):
            start = int(wanted.removeprefix("bytes=").split("-")[0])
            status = 206
        self.send_response(status)
        self.send_header("Content-Type", route.content_type)
        self.send_header("Content-Length", str(len(body) - start))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        if route.etag:
            self.send_header("ETag", route.etag)
        if route.last_modified:
            self.send_header("Last-Modified", route.last_modified)
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        if action.startswith("stall:"):
            # Send part of the body, then hang (a slow link) until the test releases the server.
            self.wfile.write(body[start : start + int(action[6:])])
            self.wfile.flush()
            srv.release.wait(30)
            self.close_connection = True
            return
        if action.startswith("cut:"):
            # Announce the full length, send part of it, drop the connection.
            self.wfile.write(body[start : start + int(action[4:])])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body[start:])

    def _plain(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        headers = {"Content-Type": "text/plain", **(headers or {})}
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class LocalServer(ThreadingHTTPServer):
    """`with LocalServer(...) as srv:` serves in a thread; `srv.url(path)` gives the https URL."""

    daemon_threads = True

    def __init__(self, cert: Path | None = None, key: Path | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, Route] = {}
        self.default: Route | None = None  # served for any path without a route
        self.release = threading.Event()  # ends "stall:" responses
        self.seen: list[Seen] = []
        self.scheme = "http"
        if cert and key:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            self.socket = context.wrap_socket(self.socket, server_side=True)
            self.scheme = "https"
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def add(self, path: str, route: Route) -> None:
        """Serve `route` at `path`, whatever the order and quoting of its query parameters."""
        self.routes[_canon(path)] = route

    def url(self, path: str) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server_address[1]}{path}"

    def requests_to(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.shutdown()
        self.server_close()

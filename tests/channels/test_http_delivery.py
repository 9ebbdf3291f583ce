"""A lost answer never becomes a second post: `maybe_delivered` follows what reached the platform.

Every case runs against a real local socket that misbehaves the way a platform, a gateway or the
network does; the server records what it received, so each row checks the classification against
the bytes that actually arrived.
"""

import socket
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from channels.http import PlatformError, PlatformHTTP
from channels.providers.meta import classify_meta_error

TOKEN = "EAAsecret"
REQUEST_LINE = b"POST /v25.0/1/media_publish"
WAIT = 3  # seconds: the longest any server thread or socket waits, so nothing hangs


@dataclass
class Platform:
    """A one-connection TCP server on 127.0.0.1 that reads what arrives, then misbehaves."""

    behave: Callable[["Platform", socket.socket], None]
    received: bytes = b""
    release: threading.Event = field(default_factory=threading.Event)

    def start(self) -> "Platform":
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(WAIT)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        return self

    def _serve(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return  # the client never connected
        with conn:
            conn.settimeout(WAIT)
            try:
                self.behave(self, conn)
            except OSError:
                pass

    def read_request(self, conn: socket.socket) -> None:
        """Read the head and the whole Content-Length body, as a platform would."""
        while b"\r\n\r\n" not in self.received:
            chunk = conn.recv(65536)
            if not chunk:
                return
            self.received += chunk
        head, _, body = self.received.partition(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            0,
        )
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return
            body += chunk
            self.received += chunk

    def hold(self) -> None:
        self.release.wait(WAIT)  # until the test is over

    def stop(self) -> None:
        self.release.set()
        self.listener.close()
        self.thread.join(WAIT)


def closes(platform: Platform, conn: socket.socket) -> None:
    platform.read_request(conn)  # then close without a word: RemoteDisconnected


def resets(platform: Platform, conn: socket.socket) -> None:
    platform.read_request(conn)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST on close


def never_answers(platform: Platform, conn: socket.socket) -> None:
    platform.read_request(conn)
    platform.hold()


def garbage(platform: Platform, conn: socket.socket) -> None:
    platform.read_request(conn)
    conn.sendall(b"this is not HTTP\r\n\r\n")  # BadStatusLine: a protocol error


def half_chunked(platform: Platform, conn: socket.socket) -> None:
    platform.read_request(conn)
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        b'20\r\n{"id": "17895695668004550'  # 32 bytes promised, fewer sent, then closed
    )


def answers(status: str, body: bytes, *headers: str) -> Callable[[Platform, socket.socket], None]:
    def behave(platform: Platform, conn: socket.socket) -> None:
        platform.read_request(conn)
        head = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", "Connection: close", *headers]
        conn.sendall("\r\n".join(head).encode() + b"\r\n\r\n" + body)

    return behave


def tls_hello_then_closes(platform: Platform, conn: socket.socket) -> None:
    platform.received += conn.recv(65536)  # the ClientHello; a plain TCP server cannot answer it


def tls_hello_then_silence(platform: Platform, conn: socket.socket) -> None:
    platform.received += conn.recv(65536)
    platform.hold()


@pytest.fixture
def fast_timeouts(settings):
    settings.PLATFORM_HTTP_TIMEOUT = (0.5, 0.5)


def publish(url: str) -> PlatformError:
    """A media_publish call, the one whose lost answer could become a second post."""
    with pytest.raises(PlatformError) as info:
        PlatformHTTP("instagram", classify_meta_error).post(
            url, data={"creation_id": "1789", "access_token": TOKEN}
        )
    assert TOKEN not in str(info.value)
    return info.value


GATEWAY_HTML = b"<html><body><h1>Bad gateway</h1></body></html>"
META_DOWN = (
    b'{"error": {"code": 2, "message": "Service temporarily unavailable", "is_transient": true}}'
)
META_REFUSED = b'{"error": {"code": 100, "message": "Invalid parameter"}}'


@pytest.mark.parametrize(
    ("scheme", "behave", "kind", "code", "maybe_delivered", "reached"),
    [
        # The request was sent; the answer was lost: the platform may have posted.
        pytest.param(
            "http", closes, "transient", "connection_error", True, True, id="reads-then-closes"
        ),
        pytest.param(
            "http", resets, "transient", "connection_error", True, True, id="reads-then-resets"
        ),
        pytest.param(
            "http", garbage, "transient", "connection_error", True, True, id="protocol-error"
        ),
        pytest.param("http", never_answers, "transient", "timeout", True, True, id="read-timeout"),
        pytest.param(
            "http", half_chunked, "transient", "incomplete_response", True, True, id="half-chunked"
        ),
        pytest.param(
            "http",
            answers("200 OK", b"\x00not gzip", "Content-Encoding: gzip"),
            "transient",
            "bad_response",
            True,
            True,
            id="undecodable-body",
        ),
        pytest.param(
            "http",
            answers("200 OK", b"<html>maintenance</html>", "Content-Type: text/html"),
            "transient",
            "bad_response",
            True,
            True,
            id="html-instead-of-json",
        ),
        # A gateway may have forwarded the request before failing; a 500 means the platform got it.
        pytest.param(
            "http",
            answers("502 Bad Gateway", GATEWAY_HTML),
            "transient",
            "502",
            True,
            True,
            id="502",
        ),
        pytest.param(
            "http",
            answers("503 Service Unavailable", GATEWAY_HTML),
            "transient",
            "503",
            True,
            True,
            id="503",
        ),
        pytest.param(
            "http",
            answers("504 Gateway Timeout", GATEWAY_HTML),
            "transient",
            "504",
            True,
            True,
            id="504",
        ),
        pytest.param(
            "http",
            answers("500 Internal Server Error", META_DOWN),
            "transient",
            "2",
            True,
            True,
            id="500-meta",
        ),
        # The platform answered that it refused the request: it did not act.
        pytest.param(
            "http",
            answers("400 Bad Request", META_REFUSED),
            "permanent",
            "100",
            False,
            True,
            id="400-refused",
        ),
        # TLS failed before the request was written: only a ClientHello arrived.
        pytest.param(
            "https",
            tls_hello_then_closes,
            "transient",
            "connection_error",
            False,
            False,
            id="tls-handshake-fails",
        ),
        pytest.param(
            "https",
            tls_hello_then_silence,
            "transient",
            "connect_timeout",
            False,
            False,
            id="tls-handshake-times-out",
        ),
    ],
)
def test_maybe_delivered_follows_what_reached_the_platform(
    fast_timeouts, scheme, behave, kind, code, maybe_delivered, reached
):
    platform = Platform(behave).start()
    try:
        error = publish(f"{scheme}://127.0.0.1:{platform.port}/v25.0/1/media_publish")
    finally:
        platform.stop()
    assert (error.kind, error.code, error.maybe_delivered) == (kind, code, maybe_delivered)
    assert (REQUEST_LINE in platform.received) is reached
    if scheme == "https":
        assert platform.received.startswith(b"\x16\x03")  # a TLS handshake record, not HTTP


def test_connection_refused_was_never_delivered(fast_timeouts):
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # bound, then closed: nothing listens there now
    error = publish(f"http://127.0.0.1:{port}/v25.0/1/media_publish")
    assert (error.kind, error.code, error.maybe_delivered) == (
        "transient",
        "connection_error",
        False,
    )


def test_unknown_host_was_never_delivered(fast_timeouts, monkeypatch):
    # RFC 6761: `.invalid` never resolves. Answer NXDOMAIN here rather than asking the network's
    # resolver, so the test needs no network and cannot hang on an unreachable DNS server.
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name.endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    error = publish("http://graph.socialdist.invalid/v25.0/1/media_publish")
    assert (error.kind, error.code, error.maybe_delivered) == (
        "transient",
        "connection_error",
        False,
    )


@pytest.fixture
def full_backlog() -> Iterator[socket.socket]:
    """A listener that never accepts and whose accept queue is full: new SYNs are dropped, so a
    connect times out without leaving 127.0.0.0/8 (non-local addresses are off limits here)."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=0)
    fillers = []
    try:
        for _ in range(8):
            filler = socket.socket()
            fillers.append(filler)
            filler.settimeout(0.1)
            try:
                filler.connect(listener.getsockname())
            except TimeoutError:
                break  # the queue is full
        else:
            pytest.fail("Could not fill the accept queue of the test listener.")
        yield listener
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


def test_connect_timeout_was_never_delivered(fast_timeouts, full_backlog):
    port = full_backlog.getsockname()[1]
    error = publish(f"http://127.0.0.1:{port}/v25.0/1/media_publish")
    assert (error.kind, error.code, error.maybe_delivered) == (
        "transient",
        "connect_timeout",
        False,
    )
    # Nothing that made it into the queue carries the request.
    full_backlog.setblocking(False)
    while True:
        try:
            conn, _ = full_backlog.accept()
        except BlockingIOError:
            break
        with conn:
            conn.setblocking(False)
            try:
                assert REQUEST_LINE not in conn.recv(65536)
            except BlockingIOError:
                pass


@pytest.mark.parametrize(
    "url",
    ["ftp://127.0.0.1/v25.0/1/media_publish", "127.0.0.1/v25.0/1/media_publish", "http://"],
)
def test_an_invalid_url_is_never_sent_and_fails_for_good(url):
    error = publish(url)
    assert (error.kind, error.code, error.maybe_delivered) == (
        "permanent",
        "invalid_request",
        False,
    )
    assert "SOCIALDIST_URL_REWRITES" in error.message

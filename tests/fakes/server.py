"""A tiny threaded WSGI server base for the fake platform servers (no framework needed)."""

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass

    def get_environ(self):
        environ = super().get_environ()
        environ["fake.socket"] = self.connection  # for `drop`: close without answering
        return environ


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""

    def param(self, name: str, default: str = "") -> str:
        return self.form.get(name) or self.query.get(name) or default

    @property
    def bearer(self) -> str:
        auth = self.headers.get("authorization", "")
        for scheme in ("Bearer ", "OAuth "):
            if auth.startswith(scheme):
                return auth[len(scheme) :]
        return self.param("access_token")


@dataclass
class Response:
    status: int
    body: object = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Fault:
    """Injected failure: answer `times` matching requests with `response` (or sleep `delay`)."""

    response: Response | None
    times: int
    path_contains: str = ""
    method: str = ""
    delay: float = 0.0
    drop: bool = False  # act on the request, then close the connection without answering


class FakeServer:
    """Subclasses implement handle(request) -> Response; faults are checked first."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.faults: list[Fault] = []
        self.latency = 0.0
        self.requests: list[Request] = []
        self.in_flight = 0  # requests being answered right now
        self._httpd = None
        self._thread = None

    # lifecycle ---------------------------------------------------------------------------------
    def start(self, ssl_context=None, port: int = 0) -> "FakeServer":
        """Serve on 127.0.0.1: a free port (tests), or a fixed one (the sandbox, `make run`)."""
        self._httpd = make_server(
            "127.0.0.1", port, self.wsgi, server_class=_ThreadingServer, handler_class=_QuietHandler
        )
        if ssl_context is not None:  # serve HTTPS (the caller builds the URL with its host name)
            self._httpd.socket = ssl_context.wrap_socket(self._httpd.socket, server_side=True)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    # fault switches ----------------------------------------------------------------------------
    def fail(self, response: Response, *, times: int = 1, path: str = "", method: str = ""):
        with self._lock:
            self.faults.append(Fault(response, times, path, method))

    def hang(self, seconds: float, *, times: int = 1, path: str = "", method: str = ""):
        """Answer only after `seconds`: longer than the client's read timeout = a timeout."""
        with self._lock:
            self.faults.append(Fault(None, times, path, method, delay=seconds))

    def drop(self, *, times: int = 1, path: str = "", method: str = ""):
        """Do what the request asks, then close the connection without an answer: the client
        never learns that the platform acted (a lost answer)."""
        with self._lock:
            self.faults.append(Fault(None, times, path, method, drop=True))

    def calls(self, method: str, path_contains: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.method == method and path_contains in r.path]

    def _take_fault(self, request: Request) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if (
                    fault.times > 0
                    and fault.path_contains in request.path
                    and (not fault.method or fault.method == request.method)
                ):
                    fault.times -= 1
                    return fault
        return None

    # WSGI --------------------------------------------------------------------------------------
    def wsgi(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        content_type = environ.get("CONTENT_TYPE", "")
        form: dict[str, str] = {}
        if "application/x-www-form-urlencoded" in content_type:
            form = {k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        elif "application/json" in content_type and body:
            parsed = json.loads(body)
            form = parsed if isinstance(parsed, dict) else {}
        request = Request(
            method=environ["REQUEST_METHOD"],
            path=environ.get("PATH_INFO", "/"),
            query={
                k: v[-1]
                for k, v in parse_qs(
                    environ.get("QUERY_STRING", ""), keep_blank_values=True
                ).items()
            },
            form=form,
            headers={
                k[5:].replace("_", "-").lower(): v
                for k, v in environ.items()
                if k.startswith("HTTP_")
            }
            # WSGI keeps these two outside HTTP_*; fakes check them on uploads.
            | {
                k.replace("_", "-").lower(): environ[k]
                for k in ("CONTENT_TYPE", "CONTENT_LENGTH")
                if environ.get(k)
            },
            body=body,
        )
        with self._lock:
            self.requests.append(request)
            self.in_flight += 1
        try:
            return self._answer(request, start_response, environ.get("fake.socket"))
        finally:
            with self._lock:
                self.in_flight -= 1

    def _answer(self, request: Request, start_response, sock=None):
        if self.latency:
            time.sleep(self.latency)
        fault = self._take_fault(request)
        if fault and fault.delay:
            time.sleep(fault.delay)
        response = fault.response if fault and fault.response else None
        if response is None:
            with self._lock:
                response = self.handle(request)
        if fault and fault.drop and sock is not None:
            sock.shutdown(socket.SHUT_RDWR)  # the work is done; the answer never leaves
            start_response("500 Dropped", [])
            return [b""]
        payload = response.body
        headers = dict(response.headers)
        if isinstance(payload, (dict, list)):
            data = json.dumps(payload).encode()
            headers.setdefault("Content-Type", "application/json")
        else:
            data = (payload or "").encode() if isinstance(payload, str) else (payload or b"")
            headers.setdefault("Content-Type", "text/plain")
        start_response(f"{response.status} X", list(headers.items()))
        return [data]

    def handle(self, request: Request) -> Response:  # pragma: no cover - abstract
        raise NotImplementedError

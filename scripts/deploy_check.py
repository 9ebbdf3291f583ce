"""Production smoke check: does a clean checkout deploy and serve pages with DEBUG=0?

Runs what the README's production section runs, with production settings and throwaway secrets:
`collectstatic` (manifest storage) into a temp dir, `check --deploy --fail-level WARNING`, `migrate`
on a scratch database, then gunicorn on a free 127.0.0.1 port. It requests the login page (must be
200, with the Content-Security-Policy header), the hashed stylesheet it links, /healthz (200 or 503:
no dispatcher runs here, but never a 500) and one failed login (CSRF behind a TLS proxy, and the
shared cache the login lockout counts in). Exits non-zero on the first failure; every step has a
timeout, and gunicorn and the scratch database are always removed.

    .venv/bin/python scripts/deploy_check.py     # CI runs it from .ci/run

The database server is the one DATABASE_URL names (a scratch `<name>_deploy_check` database on it);
without a PostgreSQL DATABASE_URL it uses a SQLite file in the temp dir.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
STEP_TIMEOUT_S = 120  # generous per step; the whole check takes ~15 s on the CI machine
READY_TIMEOUT_S = 30
HTTP_TIMEOUT_S = 10


class CheckFailed(Exception):
    pass


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run(label: str, args: list[str], env: dict[str, str]) -> None:
    started = time.monotonic()
    try:
        result = subprocess.run(  # noqa: S603 (fixed argv, no shell)
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as exc:
        raise CheckFailed(f"{label} took longer than {STEP_TIMEOUT_S} s") from exc
    if result.returncode != 0:
        raise CheckFailed(f"{label} failed:\n{result.stdout}{result.stderr}")
    print(f"deploy check: {label} ok ({time.monotonic() - started:.1f} s)", flush=True)


class ScratchDatabase:
    """A fresh database on the DATABASE_URL server (PostgreSQL), else a SQLite file."""

    def __init__(self, base_url: str, workdir: Path):
        parts = urlsplit(base_url)
        self.postgres = parts.scheme in ("postgres", "postgresql", "pgsql")
        if self.postgres:
            self.name = (parts.path.lstrip("/") or "socialdist") + "_deploy_check"
            self.admin_url = urlunsplit(parts._replace(path="/postgres"))
            self.url = urlunsplit(parts._replace(path=f"/{self.name}"))
        else:
            self.url = f"sqlite:///{workdir / 'db.sqlite3'}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=10) as connection:
            connection.execute(sql)

    def create(self) -> None:
        if self.postgres:
            self.drop()  # a run killed mid-way may have left it
            self._admin(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        if self.postgres:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _get(session: requests.Session, url: str, **kwargs) -> requests.Response:
    try:
        return session.get(url, timeout=HTTP_TIMEOUT_S, allow_redirects=False, **kwargs)
    except requests.RequestException as exc:
        raise CheckFailed(f"GET {url}: {exc}") from exc


def _wait_until_serving(base: str, server: subprocess.Popen, session: requests.Session) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise CheckFailed(f"gunicorn exited with code {server.returncode} before serving")
        try:
            # The first request also imports Django in the worker: allow it the full timeout.
            session.get(f"{base}/healthz", timeout=HTTP_TIMEOUT_S)
            return
        except requests.ConnectionError:  # not listening yet
            time.sleep(0.2)
        except requests.Timeout:
            pass
    raise CheckFailed(f"gunicorn did not answer within {READY_TIMEOUT_S} s")


def _check_http(base: str, session: requests.Session) -> None:
    login = _get(session, f"{base}/accounts/login/")
    if login.status_code != 200:
        raise CheckFailed(f"GET /accounts/login/ answered {login.status_code}, not 200")
    if "script-src 'self'" not in login.headers.get("Content-Security-Policy", ""):
        raise CheckFailed("the login page has no Content-Security-Policy with script-src 'self'")
    print("deploy check: GET /accounts/login/ 200", flush=True)

    stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', login.text)
    if not stylesheet:
        raise CheckFailed("the login page does not link the hashed app.css (manifest storage)")
    asset = _get(session, base + stylesheet.group(1))
    if asset.status_code != 200 or "immutable" not in asset.headers.get("Cache-Control", ""):
        raise CheckFailed(f"GET {stylesheet.group(1)} answered {asset.status_code}")
    print(f"deploy check: GET {stylesheet.group(1)} 200", flush=True)

    health = _get(session, f"{base}/healthz")
    if health.status_code not in (200, 503):  # 503: no dispatcher runs in this check
        raise CheckFailed(f"GET /healthz answered {health.status_code}, not 200 or 503")
    print(f"deploy check: GET /healthz {health.status_code}", flush=True)

    # The csrftoken cookie is Secure (sent over https only); behind the proxy this is https.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)
    cookie = login.cookies.get("csrftoken")
    if not token or not cookie:
        raise CheckFailed("the login page has no CSRF token")
    origin = base.replace("http://", "https://", 1)
    try:
        failed = session.post(
            f"{base}/accounts/login/",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "login": "nobody@example.com",
                "password": "wrong",
            },
            headers={
                "Cookie": f"csrftoken={cookie}",
                "Origin": origin,
                "Referer": f"{origin}/accounts/login/",
            },
            timeout=HTTP_TIMEOUT_S,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise CheckFailed(f"POST /accounts/login/: {exc}") from exc
    if failed.status_code != 200 or "are not correct" not in failed.text:
        raise CheckFailed(f"a failed login answered {failed.status_code}, not the form's error")
    print("deploy check: failed login answered 200 with the form error", flush=True)


def main() -> int:
    started = time.monotonic()
    # Turn SIGTERM (CI time limit, Ctrl-C in a parent) into SystemExit so cleanup runs.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="socialdist-deploy-check-"))
    database = ScratchDatabase(os.environ.get("DATABASE_URL", ""), workdir)
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": database.url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PUBLIC_BASE_URL": f"https://127.0.0.1:{port}",
        "STATIC_ROOT": str(workdir / "static"),
        "MEDIA_ROOT": str(workdir / "media"),
    }
    server: subprocess.Popen | None = None
    try:
        _run("collectstatic", ["collectstatic", "--noinput"], env)
        _run("check --deploy", ["check", "--deploy", "--fail-level", "WARNING"], env)
        database.create()
        _run("migrate", ["migrate", "--noinput"], env)
        server = subprocess.Popen(  # noqa: S603 (fixed argv, no shell)
            [sys.executable, "-m", "gunicorn", "socialdist.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", "2", "--timeout", "30", "--graceful-timeout", "2", "--log-level", "warning"],
            cwd=ROOT,
            env=env,
            start_new_session=True,  # its own process group: stopped with its workers below
        )  # fmt: skip
        # Requests arrive as through a TLS-terminating proxy (SECURE_PROXY_SSL_HEADER), so the
        # production HTTPS redirect and Secure cookies stay on.
        with requests.Session() as session:
            session.headers["X-Forwarded-Proto"] = "https"
            base = f"http://127.0.0.1:{port}"
            _wait_until_serving(base, server, session)
            _check_http(base, session)
    except CheckFailed as exc:
        print(f"deploy check FAILED: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=10)
        try:
            database.drop()
        except Exception as exc:  # cleanup must not hide the result
            print(f"deploy check: could not drop the scratch database: {exc}", file=sys.stderr)
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"deploy check: passed in {time.monotonic() - started:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

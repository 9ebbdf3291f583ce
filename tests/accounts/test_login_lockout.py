"""The login lockout counts failed attempts across web processes (the cache is shared, not LocMem)."""

import os
import secrets
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import UserFactory
from tests.helpers import database_url

ROOT = Path(__file__).resolve().parents[2]
LOCKED = b"Too many failed login attempts"
# A committed user, visible to the second process.
pytestmark = pytest.mark.django_db(transaction=True)

# Another web process (think: another gunicorn worker) failing logins for the same email.
OTHER_PROCESS = textwrap.dedent(
    """
    import sys

    import django

    django.setup()
    from django.test import Client

    email, ip, attempts = sys.argv[1], sys.argv[2], int(sys.argv[3])
    client = Client(REMOTE_ADDR=ip)
    for _ in range(attempts):
        response = client.post("/accounts/login/", {"login": email, "password": "wrong"})
        assert response.status_code == 200, response.status_code
        assert b"Too many failed login attempts" not in response.content, "locked out too early"
    print("failed", attempts)
    """
)


def _fail_logins_in_another_process(email: str, ip: str, attempts: int) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "socialdist.settings",
        "DATABASE_URL": database_url(),
        "TOKEN_ENCRYPTION_KEYS": ",".join(settings.TOKEN_ENCRYPTION_KEYS),
    }
    result = subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS, email, ip, str(attempts)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_failed_logins_in_two_processes_add_up_to_the_lockout():
    # Fresh email and client IP each run: a shared cache (Redis) outlives the test database.
    email = f"lockout-{uuid.uuid4().hex[:12]}@example.com"
    ip = f"2001:db8:{secrets.token_hex(2)}:{secrets.token_hex(2)}::1"
    UserFactory(email=email)  # password "correct horse battery"
    client = Client(REMOTE_ADDR=ip)

    for _ in range(3):
        response = client.post("/accounts/login/", {"login": email, "password": "wrong"})
        assert response.status_code == 200
        assert LOCKED not in response.content

    _fail_logins_in_another_process(email, ip, attempts=2)  # 5 failures in all: the limit

    # Even the right password is refused now: this process saw the other one's failures.
    response = client.post(
        "/accounts/login/", {"login": email, "password": "correct horse battery"}
    )
    assert LOCKED in response.content, "the lockout did not count the other process's failures"
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session

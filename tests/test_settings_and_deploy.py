"""Settings fail loudly on bad values, and production settings pass `check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    dev_only = ("DEBUG", "TOKEN_ENCRYPTION_KEYS", "DJANGO_ALLOW_ASYNC_UNSAFE")
    clean = {k: v for k, v in os.environ.items() if k not in dev_only}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
        TOKEN_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_missing_encryption_keys_fail_at_start_when_debug_is_off():
    result = _manage("check", DEBUG="0", SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "TOKEN_ENCRYPTION_KEYS must be set" in result.stderr


def test_bad_url_rewrite_fails_at_start():
    result = _manage("check", DEBUG="1", SOCIALDIST_URL_REWRITES="https://graph.facebook.com")
    assert result.returncode != 0
    assert "must look like origin=replacement" in result.stderr

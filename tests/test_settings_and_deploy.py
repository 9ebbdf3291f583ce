"""Settings fail loudly on bad values, and production settings pass `check --deploy`."""

import os
import sqlite3
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


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
}


def test_production_collectstatic_succeeds(tmp_path):
    # DEBUG=0 uses the manifest storage, which fails on any missing file a static file refers to
    # (e.g. a vendored library's sourceMappingURL); every page would then answer 500.
    result = _manage(
        "collectstatic",
        "--noinput",
        **PRODUCTION,
        TOKEN_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        STATIC_ROOT=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "vendor/chartjs/chart.umd.min.js" in manifest
    assert "css/app.css" in manifest


def test_malformed_encryption_key_fails_at_start():
    good = Fernet.generate_key().decode()
    result = _manage("check", **PRODUCTION, TOKEN_ENCRYPTION_KEYS=f"{good},notakey")
    assert result.returncode != 0
    assert "TOKEN_ENCRYPTION_KEYS entry 2 is not a Fernet key" in result.stderr
    assert "Fernet.generate_key()" in result.stderr  # says how to make a good one


def test_malformed_encryption_key_fails_at_start_in_debug_too():
    result = _manage("check", DEBUG="1", TOKEN_ENCRYPTION_KEYS="notakey")
    assert result.returncode != 0
    assert "TOKEN_ENCRYPTION_KEYS entry 1 is not a Fernet key" in result.stderr


def _cache_backend(**env: str) -> str:
    without = {"CACHE_URL": "", "REDIS_URL": ""}
    code = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    result = _manage("shell", "--no-imports", "-c", code, DEBUG="1", **{**without, **env})
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


def test_cache_is_shared_between_processes_by_default_and_redis_when_configured():
    assert _cache_backend() == "django.core.cache.backends.db.DatabaseCache"
    redis = "django.core.cache.backends.redis.RedisCache"
    assert _cache_backend(REDIS_URL="redis://127.0.0.1:6379/14") == redis
    assert _cache_backend(CACHE_URL="locmemcache://", REDIS_URL="redis://127.0.0.1:6379/14") == (
        "django.core.cache.backends.locmem.LocMemCache"
    )


def test_migrate_creates_the_cache_table(tmp_path):
    # The default cache is a database table: `migrate` alone must make it (no createcachetable).
    database = tmp_path / "db.sqlite3"
    result = _manage("migrate", "--noinput", DEBUG="1", DATABASE_URL=f"sqlite:///{database}")
    assert result.returncode == 0, result.stdout + result.stderr
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert "socialdist_cache" in tables

"""Settings fail loudly on bad values, and production settings pass `check --deploy`."""

import json
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import requests
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


# README commands outside `make run`: a shell with none of the settings variables, and the env file
# `make run` writes (scripts/dev_env.py, as scripts/run.sh calls it) at a temporary path.
SETTINGS_VARS = (
    "DEBUG",
    "SECRET_KEY",
    "TOKEN_ENCRYPTION_KEYS",
    "PUBLIC_BASE_URL",
    "CSRF_TRUSTED_ORIGINS",
    "PORT",
    "SOCIALDIST_ENV_FILE",
    "SOCIALDIST_SANDBOX",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def _dev_env(path: Path, port: str = "8000") -> None:
    result = subprocess.run(
        [sys.executable, "scripts/dev_env.py", str(path), port],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _local(*args: str, env_file: Path, stdin: str | None = None, **env: str):
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARS}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "SOCIALDIST_ENV_FILE": str(env_file), **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _setting(expression: str, env_file: Path, **env: str) -> str:
    code = f"from django.conf import settings; print({expression})"
    result = _local("shell", "--no-imports", "-c", code, env_file=env_file, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


def test_the_test_suite_reads_no_env_file():
    assert os.environ["SOCIALDIST_ENV_FILE"] == ""


def test_dev_env_file_is_written_once_and_records_the_port(tmp_path):
    env_file = tmp_path / "var" / ".env"
    _dev_env(env_file, "8000")
    first = env_file.read_text()
    assert "DEBUG=1" in first and "PORT=8000" in first
    secret = next(line for line in first.splitlines() if line.startswith("SECRET_KEY="))
    assert len(secret) > 60
    env_file.write_text(first + "INSTAGRAM_CLIENT_ID=mine\n")
    _dev_env(env_file, "8300")
    second = env_file.read_text()
    assert secret in second  # the key stays: sessions and signed links survive a restart
    assert "PORT=8300" in second and "PORT=8000" not in second
    assert "INSTAGRAM_CLIENT_ID=mine" in second


def test_readme_commands_run_verbatim_outside_make_run(tmp_path):
    env_file = tmp_path / ".env"
    _dev_env(env_file)
    database = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    for command in (["migrate", "--noinput"], ["demo_setup"]):
        result = _local(*command, env_file=env_file, **database)
        assert result.returncode == 0, result.stdout + result.stderr
    assert "slug demo-brand" in result.stdout
    # README: TOKEN=$(.venv/bin/python manage.py create_api_token demo-brand)
    result = _local("create_api_token", "demo-brand", env_file=env_file, **database)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip()
    # README: .venv/bin/python manage.py changepassword demo@example.com
    password = "a-new-demo-password-7291"
    result = _local(
        "changepassword",
        "demo@example.com",
        env_file=env_file,
        stdin=f"{password}\n{password}\n",
        **database,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "changed successfully" in result.stdout
    assert not (ROOT / "control").exists()


def test_without_the_env_file_a_bare_command_still_says_what_is_missing(tmp_path):
    result = _local("check", env_file=tmp_path / "absent.env")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_public_base_url_follows_port_unless_set(tmp_path):
    env_file = tmp_path / ".env"
    _dev_env(env_file, "8300")
    assert _setting("settings.PUBLIC_BASE_URL", env_file) == "http://127.0.0.1:8300"
    assert _setting("settings.CSRF_TRUSTED_ORIGINS", env_file) == "['http://127.0.0.1:8300']"
    assert _setting("settings.PUBLIC_BASE_URL", env_file, PORT="8400") == "http://127.0.0.1:8400"
    public = "https://social.example.com"
    assert _setting("settings.PUBLIC_BASE_URL", env_file, PUBLIC_BASE_URL=public) == public


def test_the_environment_wins_over_the_env_file_and_debug_off_never_reads_it(tmp_path):
    env_file = tmp_path / ".env"
    _dev_env(env_file)
    # DEBUG=0 in the environment: the file's DEBUG=1 and dev SECRET_KEY are not used.
    result = _local("check", env_file=env_file, DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    production = {**PRODUCTION, "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode()}
    expression = "settings.DEBUG, settings.SECRET_KEY == '" + PRODUCTION["SECRET_KEY"] + "'"
    assert _setting(expression, env_file, **production) == "False True"
    assert _setting("settings.SECRET_KEY", env_file, SECRET_KEY="from-the-env") == "from-the-env"


def test_the_filesystem_broker_keeps_its_folders_under_var():
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps([settings.CELERY_BROKER_TRANSPORT_OPTIONS[k] for k in "
        "('data_folder_in', 'data_folder_out', 'processed_folder', 'control_folder')]))"
    )
    clean = {k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env={**clean, "DEBUG": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    var = str(ROOT / "var" / "broker")
    folders = json.loads(result.stdout)
    assert folders and all(folder.startswith(var) for folder in folders)


def _free_ports_in_a_row(count: int) -> int:
    """A port with the `count - 1` after it free too (the sandbox takes one per fake server)."""
    for _ in range(50):
        sockets = [socket.socket() for _ in range(count)]
        try:
            sockets[0].bind(("127.0.0.1", 0))
            port = sockets[0].getsockname()[1]
            for offset, sock in enumerate(sockets[1:], start=1):
                sock.bind(("127.0.0.1", port + offset))
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
        return port
    raise RuntimeError(f"no {count} free ports in a row")


def test_readme_try_it_in_five_minutes_runs_as_written(tmp_path):
    """`make run`'s steps and the README's `manage.py sandbox_metrics`, on a fresh machine (no
    platform credentials): sandbox mode is on, its platforms answer with their Allow page, and
    sandbox_metrics runs. Only the sandbox's port and state folder are moved, so a developer's
    own `make run` on 8701 is left alone."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Try it in five minutes", 1)[1].split("\n## ", 1)[0]
    assert "make run\n" in section
    assert ".venv/bin/python manage.py sandbox_metrics" in section
    assert "make run" in (ROOT / "Makefile").read_text()
    run_sh = (ROOT / "scripts" / "run.sh").read_text()
    assert "$BIN/python manage.py sandbox_serve &" in run_sh  # `make run` starts the sandbox

    env_file = tmp_path / ".env"
    _dev_env(env_file)
    port = _free_ports_in_a_row(4)
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "SOCIALDIST_SANDBOX_PORT": str(port),
        "SOCIALDIST_SANDBOX_STATE_DIR": str(tmp_path / "sandbox"),
    }
    clean = {
        k: v for k, v in os.environ.items() if not k.endswith(("_CLIENT_ID", "_CLIENT_SECRET"))
    }
    for command in (["migrate", "--noinput"], ["demo_setup"]):
        result = _local(*command, env_file=env_file, **env)
        assert result.returncode == 0, result.stdout + result.stderr
    assert "password:" in result.stdout

    serve = subprocess.Popen(
        [sys.executable, "manage.py", "sandbox_serve"],
        cwd=ROOT,
        env={**{k: v for k, v in clean.items() if k not in SETTINGS_VARS},
             "SOCIALDIST_ENV_FILE": str(env_file), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        lines = [serve.stdout.readline().strip() for _ in range(4)]
        assert lines == [
            f"Sandbox Instagram and Sandbox Facebook Pages: http://127.0.0.1:{port}",
            f"Sandbox TikTok: http://127.0.0.1:{port + 1}",
            f"Sandbox YouTube: http://127.0.0.1:{port + 2}",
            f"Sandbox X: http://127.0.0.1:{port + 3}",
        ], serve.stderr.read() if serve.poll() is not None else lines
        dialog = requests.get(
            f"http://127.0.0.1:{port}/v25.0/dialog/oauth",
            params={"client_id": "ig-client-id", "state": "s",
                    "redirect_uri": "http://127.0.0.1:8000/channels/callback/instagram/"},
            timeout=5,
        )  # fmt: skip
        assert "<title>Sandbox Instagram — Allow</title>" in dialog.text
        # README: .venv/bin/python manage.py sandbox_metrics
        result = _local("sandbox_metrics", env_file=env_file, **env)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Collected 0 sandbox metric reads (0 failed)" in result.stdout
    finally:
        serve.terminate()
        serve.wait(timeout=10)

"""SOCIALDIST_SANDBOX: on by default with DEBUG and no real credentials, never with DEBUG off.

Each case is a fresh `manage.py` process, as settings are read once at start."""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
}


def _clean_env(**env: str) -> dict[str, str]:
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SOCIALDIST_")
        and not k.endswith(("_CLIENT_ID", "_CLIENT_SECRET"))
        and k not in ("DEBUG", "TOKEN_ENCRYPTION_KEYS", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    return {**keep, "SOCIALDIST_ENV_FILE": "", **env}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=_clean_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _sandbox(**env: str) -> dict:
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({"
        "'on': s.SOCIALDIST_SANDBOX, 'platforms': s.SOCIALDIST_SANDBOX_PLATFORMS, "
        "'rewrites': s.SOCIALDIST_URL_REWRITES, 'credentials': s.PLATFORM_CREDENTIALS, "
        "'form_action': s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action']}))"
    )
    result = _manage("shell", "--no-imports", "-c", code, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def test_on_by_default_with_debug_and_no_real_credentials():
    found = _sandbox(DEBUG="1")
    assert found["on"] is True
    assert found["platforms"] == ["instagram", "facebook", "tiktok", "youtube", "x", "linkedin"]
    assert ["https://graph.facebook.com", "http://127.0.0.1:8701"] in found["rewrites"]
    assert ["https://open.tiktokapis.com", "http://127.0.0.1:8702"] in found["rewrites"]
    assert found["credentials"]["tiktok"]["client_id"] == "tt-client-key"
    # The Connect buttons redirect to the sandbox's Allow page: the CSP lets the form go there.
    assert "http://127.0.0.1:8701" in found["form_action"]


def test_off_when_a_real_client_id_is_set():
    found = _sandbox(DEBUG="1", INSTAGRAM_CLIENT_ID="real-app", INSTAGRAM_CLIENT_SECRET="s")
    assert found["on"] is False
    assert found["platforms"] == [] and found["rewrites"] == []
    assert found["credentials"] == {"instagram": {"client_id": "real-app", "client_secret": "s"}}


def test_forced_on_it_leaves_platforms_with_real_credentials_real():
    found = _sandbox(DEBUG="1", SOCIALDIST_SANDBOX="1", INSTAGRAM_CLIENT_ID="real-app")
    assert found["on"] is True
    # Meta's fake plays Instagram and Facebook on the same origins: both stay real.
    assert found["platforms"] == ["tiktok", "youtube", "x", "linkedin"]
    assert all("facebook.com" not in origin for origin, _ in found["rewrites"])
    assert found["credentials"]["instagram"]["client_id"] == "real-app"


def test_switched_off_with_debug_on():
    assert _sandbox(DEBUG="1", SOCIALDIST_SANDBOX="0")["on"] is False


def test_the_ports_follow_socialdist_sandbox_port():
    rewrites = _sandbox(DEBUG="1", SOCIALDIST_SANDBOX_PORT="9100")["rewrites"]
    assert {urlsplit(replacement).netloc for _, replacement in rewrites} == {
        "127.0.0.1:9100",  # Meta
        "127.0.0.1:9101",  # TikTok
        "127.0.0.1:9102",  # YouTube
        "127.0.0.1:9103",  # X
        "127.0.0.1:9104",  # LinkedIn
    }


def test_never_on_when_debug_is_off_even_when_asked():
    keys = Fernet.generate_key().decode()
    found = _sandbox(**PRODUCTION, TOKEN_ENCRYPTION_KEYS=keys, SOCIALDIST_SANDBOX="1")
    assert found["on"] is False
    assert found["platforms"] == [] and found["rewrites"] == [] and found["credentials"] == {}


def test_production_settings_with_sandbox_asked_for_still_pass_check_deploy():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION,
        TOKEN_ENCRYPTION_KEYS=Fernet.generate_key().decode(), SOCIALDIST_SANDBOX="1",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_sandbox_commands_with_debug_off_serve_nothing_and_refuse():
    production = {**PRODUCTION, "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode()}
    served = _manage("sandbox_serve", SOCIALDIST_SANDBOX="1", **production)
    assert served.returncode == 0, served.stderr
    assert served.stdout.strip() == "Sandbox mode is off: no sandbox platforms to serve."
    metrics = _manage("sandbox_metrics", SOCIALDIST_SANDBOX="1", **production)
    assert metrics.returncode != 0
    assert "Sandbox mode is off, so there are no sandbox platforms" in metrics.stderr

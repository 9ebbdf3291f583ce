from urllib.parse import parse_qs, urlparse

import requests
from django.test import Client

from channels.services import oauth_start


def connect_instagram(*, fake, account, client: Client | None = None, user=None):
    return connect(platform="instagram", account=account, client=client, user=user)


def connect(*, platform: str, account, client: Client | None = None, user=None):
    """Run the whole OAuth dance against a fake: authorize → dialog → callback."""
    if client is not None:
        start = client.post(f"/a/{account.slug}/channels/connect/{platform}/")
        assert start.status_code == 302, start
        authorize_url = start["Location"]
    else:
        authorize_url = oauth_start(account=account, platform=platform, user=user)
    dialog = requests.get(authorize_url, allow_redirects=False, timeout=5)
    assert dialog.status_code == 302, dialog.text
    callback = urlparse(dialog.headers["Location"])
    query = {k: v[0] for k, v in parse_qs(callback.query).items()}
    return (client or Client()).get(callback.path, query)


def database_url() -> str:
    """The test database as a DATABASE_URL, for worker processes started by a test."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def worker_env(fake, **extra: str) -> dict[str, str]:
    """Environment for a real worker process pointed at the test database and a fake server."""
    import os

    from django.conf import settings

    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "SOCIALDIST_URL_REWRITES": fake.rewrites,
        "INSTAGRAM_CLIENT_ID": fake.client_id,
        "INSTAGRAM_CLIENT_SECRET": fake.client_secret,
        "TOKEN_ENCRYPTION_KEYS": ",".join(settings.TOKEN_ENCRYPTION_KEYS),
        **extra,
    }


# A real Celery worker process: one task at a time, no cluster chatter (fast start in tests).
CELERY_WORKER = [
    "-m", "celery", "-A", "socialdist", "worker", "--pool", "solo", "--loglevel", "WARNING",
    "--without-gossip", "--without-mingle", "--without-heartbeat",
]  # fmt: skip


def redis_or_skip() -> str:
    import os

    import pytest
    import redis
    from django.conf import settings

    url = settings.CELERY_BROKER_URL
    required = os.environ.get("REQUIRE_REDIS") == "1"
    if not url.startswith("redis://"):
        if required:
            pytest.fail("REQUIRE_REDIS=1 but CELERY_BROKER_URL is not a redis:// URL")
        pytest.skip("set CELERY_BROKER_URL=redis://… to run the real-worker test")
    try:
        redis.Redis.from_url(url).ping()
    except redis.ConnectionError:
        if required:
            raise
        pytest.skip(f"Redis is not reachable at {url}")
    return url

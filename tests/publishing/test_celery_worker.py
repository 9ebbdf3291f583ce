"""A post published by a real Celery worker process over Redis (CI sets REQUIRE_REDIS=1)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings

from publishing.models import PostTarget
from publishing.tasks import process_due
from socialdist.celery import app
from tests.factories import MediaFactory, TargetFactory
from tests.helpers import CELERY_WORKER, worker_env

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def redis_or_skip() -> str:
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


def test_real_worker_publishes_due_post(fake_instagram):
    broker = redis_or_skip()
    app.control.purge()
    fake_instagram.tokens.add("worker-token")
    target = TargetFactory(
        profile__external_id="1784140001",
        profile__connection__access_token="worker-token",
        post__caption="Published by a real worker",
    )
    MediaFactory(post=target.post)

    env = worker_env(fake_instagram, CELERY_BROKER_URL=broker)
    worker = subprocess.Popen(
        [sys.executable, *CELERY_WORKER],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        process_due.delay()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and worker.poll() is None:
            target.refresh_from_db()
            if target.status == "published":
                break
            time.sleep(0.2)  # waiting on another process, not simulating time
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0].decode(errors="replace")

    assert target.status == "published", output
    assert PostTarget.objects.get(pk=target.pk).permalink.startswith("https://www.instagram.com/p/")
    assert fake_instagram.published_count() == 1

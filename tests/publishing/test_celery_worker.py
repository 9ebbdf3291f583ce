"""A post published by a real Celery worker process over Redis (CI sets REQUIRE_REDIS=1)."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from publishing.models import PostTarget
from publishing.tasks import process_due
from socialdist.celery import app
from tests.factories import MediaFactory, TargetFactory
from tests.helpers import CELERY_WORKER, redis_or_skip, worker_env

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


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

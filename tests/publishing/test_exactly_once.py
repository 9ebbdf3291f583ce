"""Exactly once, with real processes: a worker killed mid-publish, and two dispatchers racing."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from publishing.dispatch import dispatch_due
from publishing.models import AuditEntry, PostTarget
from publishing.tasks import process_due
from socialdist.celery import app
from tests.factories import MediaFactory, ProfileFactory, TargetFactory
from tests.helpers import CELERY_WORKER, redis_or_skip, worker_env

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(condition, seconds: float = 30.0) -> bool:
    """Wait for another process to do something (not a stand-in for simulated time)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def start_worker(kind: str, fake) -> subprocess.Popen:
    env = worker_env(fake, PLATFORM_READ_TIMEOUT="60")
    if kind == "celery":
        env["CELERY_BROKER_URL"] = redis_or_skip()
        app.control.purge()
        command = CELERY_WORKER
    else:
        command = ["manage.py", "process_due"]
    worker = subprocess.Popen(
        [sys.executable, *command],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if kind == "celery":
        process_due.delay()
    return worker


@pytest.fixture
def due_target(fake_instagram):
    fake_instagram.tokens.add("live-token")
    target = TargetFactory(
        profile__external_id="1784140001", profile__connection__access_token="live-token"
    )
    MediaFactory(post=target.post)
    return target


@pytest.mark.parametrize("kind", ["command", "celery"])
@pytest.mark.parametrize(
    ("killed_at", "path"),
    [
        ("after media_publish was sent", "/media_publish"),
        ("while creating the container", "/media"),
    ],
)
def test_killed_worker_never_causes_a_second_post(
    kind, killed_at, path, due_target, fake_instagram
):
    fake_instagram.hang(2, path=path, method="POST")
    worker = start_worker(kind, fake_instagram)
    try:
        sent = wait_for(lambda: any(r.path.endswith(path) for r in fake_instagram.requests))
        assert sent, f"the worker never reached {path}"
        os.kill(worker.pid, signal.SIGKILL)  # dies mid-call, the platform still finishes it
    finally:
        worker.kill()
        worker.wait(timeout=30)
    # The platform still finishes the call the dead worker made.
    assert wait_for(lambda: fake_instagram.in_flight == 0, 10)
    assert PostTarget.objects.get(pk=due_target.pk).status == "publishing"

    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=False):
        dispatch_due()  # reconciles the stuck target, and publishes it if it was never posted
        dispatch_due()
    target = PostTarget.objects.get(pk=due_target.pk)
    assert target.status == "published", target.error_message
    assert len(fake_instagram.media) == 1
    assert fake_instagram.published_count() == 1
    assert target.permalink == next(iter(fake_instagram.media.values())).permalink


def test_stuck_target_the_platform_cannot_confirm_is_unconfirmed(due_target, fake_instagram):
    PostTarget.objects.filter(pk=due_target.pk).update(
        status="publishing",
        claimed_at=timezone.now() - timedelta(minutes=30),
        platform_state={"container_id": "17900000000000000"},
    )
    fake_instagram.fail_500(times=1)
    dispatch_due()
    target = PostTarget.objects.get(pk=due_target.pk)
    assert (target.status, target.error_code) == ("failed", "unconfirmed")
    assert "could not confirm" in target.error_message
    assert fake_instagram.published_count() == 0


def test_a_target_inside_its_lease_is_left_alone(due_target, fake_instagram):
    PostTarget.objects.filter(pk=due_target.pk).update(
        status="publishing", claimed_at=timezone.now() - timedelta(minutes=5)
    )
    dispatch_due()
    assert PostTarget.objects.get(pk=due_target.pk).status == "publishing"
    assert fake_instagram.requests == []


def test_two_dispatchers_at_once_publish_each_target_once(fake_instagram):
    fake_instagram.tokens.add("live-token")
    fake_instagram.latency = 0.01
    profile = ProfileFactory(external_id="1784140001", connection__access_token="live-token")
    targets = [TargetFactory(profile=profile, post__account=profile.account) for _ in range(30)]
    for target in targets:
        MediaFactory(post=target.post)

    env = worker_env(fake_instagram, DISPATCH_BATCH_SIZE="10")
    command = [
        sys.executable,
        "-c",
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'socialdist.settings');"
        "django.setup(); from publishing.dispatch import dispatch_due\n"
        "while dispatch_due().claimed: pass",
    ]
    workers = [subprocess.Popen(command, cwd=ROOT, env=env) for _ in range(2)]
    for worker in workers:
        assert worker.wait(timeout=120) == 0

    statuses = set(PostTarget.objects.values_list("status", flat=True))
    assert statuses == {"published"}
    assert fake_instagram.published_count() == 30
    assert set(fake_instagram.publish_calls.values()) == {1}
    claims = AuditEntry.objects.filter(to_status="publishing").values_list("target_id", flat=True)
    assert sorted(claims) == sorted(t.pk for t in targets)


def test_a_stuck_target_whose_media_failed_fails_with_the_platforms_reason(
    due_target, fake_instagram
):
    """The lookup after a lost worker answers that the post failed there (its container errored):
    no person needs to check, the target fails with the platform's own code (PlatformError's
    `post_failed`, not a code the dispatcher knows)."""
    from tests.fakes.instagram import Container

    fake_instagram.containers["17900000000000001"] = Container(
        id="17900000000000001", ig_user="1784140001", params={}, status="ERROR", detail="2207026"
    )
    PostTarget.objects.filter(pk=due_target.pk).update(
        status="publishing",
        claimed_at=timezone.now() - timedelta(minutes=30),
        platform_state={"container_id": "17900000000000001"},
    )
    dispatch_due()
    target = PostTarget.objects.get(pk=due_target.pk)
    assert target.status == "failed" and target.error_code.startswith("container_error/")
    assert fake_instagram.published_count() == 0

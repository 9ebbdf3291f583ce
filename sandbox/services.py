"""Sandbox mode: serve the fake platforms, and let time pass for their metrics."""

import time
from dataclasses import dataclass
from pathlib import Path

import requests
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from analytics.models import MetricCollection
from analytics.services import CollectResult, metrics_collect
from channels.providers import platform_name
from publishing.dispatch import targets_follow_ids, targets_poll_drafts
from publishing.models import PostTarget, TargetStatus
from sandbox.registry import SANDBOXES, Sandbox
from sandbox.server import TIME_PASSES_PATH, sandbox_class

OFF_MESSAGE = (
    "Sandbox mode is off, so there are no sandbox platforms: it is on only with DEBUG=1 and no "
    "real <PLATFORM>_CLIENT_ID set, or with SOCIALDIST_SANDBOX=1 and DEBUG=1."
)


class SandboxOff(Exception):
    """A sandbox action was asked for while sandbox mode is off."""


class SandboxDown(Exception):
    """Sandbox mode is on but its servers are not running."""


def _require_sandbox() -> None:
    if not settings.SOCIALDIST_SANDBOX:
        raise SandboxOff(OFF_MESSAGE)


@dataclass
class Running:
    sandbox: Sandbox
    server: object  # the started fake


def sandboxes_start(*, port: int | None = None, persist: bool = True) -> list[Running]:
    """Start the sandbox servers of the platforms sandbox mode serves (settings decided which),
    on SOCIALDIST_SANDBOX_PORT + offset; port=0 picks free ports (tests)."""
    _require_sandbox()
    base = settings.SOCIALDIST_SANDBOX_PORT if port is None else port
    served = set(settings.SOCIALDIST_SANDBOX_PLATFORMS)
    running = []
    for sandbox in SANDBOXES:
        if not set(sandbox.platforms) & served:
            continue
        state_dir = Path(settings.SOCIALDIST_SANDBOX_STATE_DIR)
        state = state_dir / f"{sandbox.platforms[0]}.pickle" if persist else None
        server = sandbox_class(sandbox)(state_file=state)
        wanted = base + sandbox.port_offset if base else 0
        try:
            server.start(port=wanted)
        except OSError as exc:
            for item in running:
                item.server.stop()
            raise SandboxDown(
                f"The sandbox {', '.join(sandbox.platforms)} server cannot listen on "
                f"127.0.0.1:{wanted} ({exc.strerror}); is another `make run` using it? Set "
                "SOCIALDIST_SANDBOX_PORT to another port."
            ) from None
        running.append(Running(sandbox, server))
    return running


def sandboxes_serve(*, stdout=None) -> None:
    """Run the sandbox servers until interrupted (`manage.py sandbox_serve`, from `make run`)."""
    running = sandboxes_start()
    for item in running:
        names = " and ".join(f"Sandbox {platform_name(p)}" for p in item.sandbox.platforms)
        if stdout:
            stdout.write(f"{names}: {item.server.url}")
            stdout.flush()  # under `make run` stdout is a pipe: say it now, not at exit
    try:
        while True:
            time.sleep(3600)
    finally:
        for item in running:
            item.server.stop()


@dataclass
class TimePassed:
    from_drafts: int  # TikTok-style drafts the sandbox creator posted, now published
    metrics: CollectResult


def sandbox_time_passes() -> TimePassed:
    """`manage.py sandbox_metrics`: as if a week had passed for sandbox posts.

    Each sandbox platform does what time does there (a creator posts the drafts in their inbox),
    drafts and public ids are followed now, and every metric read still to come for a target on
    a sandbox profile is due now and collected (the fakes report plausible figures for what was
    published on them). Only sandbox profiles are touched; raises SandboxOff or SandboxDown."""
    _require_sandbox()
    for url in settings.SOCIALDIST_SANDBOX_URLS.values():
        try:
            requests.post(url + TIME_PASSES_PATH, timeout=10).raise_for_status()
        except requests.RequestException as exc:
            raise SandboxDown(
                f"The sandbox platforms are not answering at {url} ({exc.__class__.__name__}); "
                "start them with `make run` (or `manage.py sandbox_serve`) and try again."
            ) from None
    now = timezone.now()
    sandbox_targets = PostTarget.objects.filter(profile__extra__sandbox=True)
    # Moving the next check is no status write: the dispatcher's own polls then act as usual.
    sandbox_targets.filter(
        Q(status=TargetStatus.SENT_TO_DRAFTS) | Q(platform_state__id_pending=True)
    ).update(next_attempt_at=now)
    before = sandbox_targets.filter(status=TargetStatus.PUBLISHED).count()
    targets_poll_drafts()
    targets_follow_ids()
    from_drafts = sandbox_targets.filter(status=TargetStatus.PUBLISHED).count() - before
    MetricCollection.objects.filter(
        target__profile__extra__sandbox=True, done_at__isnull=True, gave_up=False
    ).update(due_at=now, next_attempt_at=None)
    return TimePassed(from_drafts=from_drafts, metrics=metrics_collect(now=now))

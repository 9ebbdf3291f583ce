"""Sandbox mode: serve the fake platforms, and let time pass for their metrics."""

import time
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from analytics.models import MetricCollection
from analytics.services import CollectResult, metrics_collect
from sandbox.registry import SANDBOXES, Sandbox, state_dir
from sandbox.server import sandbox_class

OFF_MESSAGE = (
    "Sandbox mode is off, so there are no sandbox platforms: it is on only with DEBUG=1 and no "
    "real <PLATFORM>_CLIENT_ID set, or with SOCIALDIST_SANDBOX=1 and DEBUG=1."
)


class SandboxOff(Exception):
    """A sandbox action was asked for while sandbox mode is off."""


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
        state = state_dir(settings.BASE_DIR) / f"{sandbox.platforms[0]}.pickle" if persist else None
        server = sandbox_class(sandbox.fake_class())(state_file=state)
        server.start(port=base + sandbox.port_offset if base else 0)
        running.append(Running(sandbox, server))
    return running


def sandboxes_serve(*, stdout=None) -> None:
    """Run the sandbox servers until interrupted (`manage.py sandbox_serve`, from `make run`)."""
    running = sandboxes_start()
    for item in running:
        names = ", ".join(item.sandbox.platforms)
        if stdout:
            stdout.write(f"Sandbox {names}: {item.server.url}")
    try:
        while True:
            time.sleep(3600)
    finally:
        for item in running:
            item.server.stop()


def sandbox_metrics_collect() -> CollectResult:
    """As if a week had passed for sandbox posts: every metric read still to come for a target
    on a sandbox profile is due now, and the collection runs now (the sandbox fakes report
    plausible figures for whatever was published on them)."""
    _require_sandbox()
    now = timezone.now()
    MetricCollection.objects.filter(
        target__profile__extra__sandbox=True, done_at__isnull=True, gave_up=False
    ).update(due_at=now, next_attempt_at=None)
    return metrics_collect(now=now)

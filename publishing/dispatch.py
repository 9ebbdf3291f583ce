"""The dispatcher: claim due targets exactly once, publish them, apply the retry policy.

Retry policy by PlatformError.kind (DESIGN.md):
  transient     retry after 1, 5, 25 minutes; after the third failed retry -> failed
  rate_limited  wait Retry-After (or the platform's hint), else 15 minutes; no attempt used
  permanent     failed at once with the platform's code and message
  auth          connection disconnected; target back to pending (held), not failed
"""

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from channels.http import AUTH, PERMANENT, RATE_LIMITED, TRANSIENT, PlatformError
from channels.models import ConnectionStatus
from channels.providers import get_provider
from channels.providers.base import ClaimLost, NotReady, SentToDrafts
from channels.services import connection_disconnect, connection_refresh
from publishing.articles import article_platforms
from publishing.claims import (  # noqa: F401  (re-exported: callers claim through the dispatcher)
    DISPATCHER,
    claims_take,
    due_targets,
    processing_due,
    targets_claim_due,
)
from publishing.events import target_event
from publishing.first_comment import first_comment_send, targets_retry_first_comments
from publishing.models import (
    EventType,
    Heartbeat,
    PostingMode,
    PostTarget,
    PublishAttempt,
    TargetStatus,
)
from publishing.notifications import manual_target_notify
from publishing.requests import publish_content, publish_request
from publishing.services import target_content
from publishing.targets import target_announce_published
from publishing.transitions import target_transition
from socialdist.leases import new_token, rows_claim_each
from socialdist.retries import RetrySchedule

logger = logging.getLogger("socialdist.dispatch")

T = TargetStatus
# Transient errors: retry after 1, 5, 25 minutes; after the third failed retry the target fails.
RETRY_DELAYS = RetrySchedule.of(timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=25))
RATE_LIMIT_WAIT = timedelta(minutes=15)
DRAFT_POLL = timedelta(minutes=15)


@dataclass
class DispatchResult:
    claimed: int = 0
    published: int = 0
    retrying: int = 0
    failed: int = 0
    held: int = 0
    manual: int = 0
    reconciled: int = 0


def dispatch_due(*, limit: int | None = None) -> DispatchResult:
    """What `process_due` runs: claim what is due and publish it in this process."""
    result = DispatchResult(reconciled=dispatcher_tick())
    token, claimed = claims_take(limit=limit)
    _publish_batch(result, token, claimed)
    posts = articles_gone_live(claimed) if result.published else []
    if posts:
        # An article went live: the social posts that waited for it go in this same run.
        token, claimed = claims_take(limit=limit, posts=posts)
        _publish_batch(result, token, claimed)
    return result


def articles_gone_live(target_ids: list[int]) -> list[int]:
    """The posts whose article was among these targets and is now published."""
    platforms = article_platforms()
    if not platforms:
        return []
    return list(
        PostTarget.objects.filter(
            pk__in=target_ids, status=T.PUBLISHED, profile__platform__in=platforms
        ).values_list("post_id", flat=True)
    )


def _publish_batch(result: DispatchResult, token: str, claimed: list[int]) -> None:
    for target_id in claimed:
        result.claimed += 1
        outcome = target_publish(target_id=target_id, claim_token=token)
        if outcome == T.PUBLISHED:
            result.published += 1
        elif outcome == T.FAILED:
            result.failed += 1
        elif outcome == T.PENDING:
            result.held += 1
        elif outcome == T.MANUAL:
            result.manual += 1
        else:
            result.retrying += 1


def dispatcher_tick() -> int:
    """Every tick: record the heartbeat, settle targets whose worker was lost, poll drafts."""
    Heartbeat.objects.update_or_create(name="dispatcher", defaults={"last_seen": timezone.now()})
    targets_poll_drafts()
    targets_follow_ids()
    targets_retry_first_comments()
    return targets_reconcile_stuck()


def targets_poll_drafts(*, limit: int = 100) -> int:
    """Targets in a creator's drafts inbox: published once the creator posts them in the app."""
    now = timezone.now()
    due = PostTarget.objects.filter(status=T.SENT_TO_DRAFTS, next_attempt_at__lte=now)
    polled = 0
    # Each one's next poll moves first, so two dispatchers never poll the same target.
    leased = rows_claim_each(
        due, seen_field="next_attempt_at", write={"next_attempt_at": now + DRAFT_POLL}, limit=limit
    )
    for target_id in leased:
        target = _load(target_id)
        provider = get_provider(target.profile.platform)
        try:
            published = provider.draft_status(publish_request(target, target_content(target)))
        except PlatformError as exc:
            if exc.kind == PERMANENT:
                _fail(target, code=exc.code, message=exc.message)
            continue  # transient, rate limited or auth: poll again later
        if published is not None:
            _succeed(target, published, attempts=target.attempts, reason="posted from drafts")
        polled += 1
    return polled


def _load(target_id: int) -> PostTarget:
    return (
        PostTarget.objects.select_related("post__account", "profile__connection")
        .prefetch_related("post__media", "post__versions", "post__targets__profile")
        .get(pk=target_id)
    )


def target_publish(*, target_id: int, claim_token: str | None = None) -> str:
    """Publish one claimed target and settle its next state; returns that state.

    With `claim_token` (what a task carries), only the claim it names may publish: a task
    delivered twice, or after the target was claimed again, does nothing.
    """
    target = _load(target_id)
    if target.status != T.PUBLISHING:
        logger.warning("target %s is %s, not publishing; skipped", target_id, target.status)
        return target.status
    if claim_token is not None and target.claim_token != claim_token:
        logger.warning("target %s was claimed again since this task was sent; skipped", target_id)
        return target.status
    try:
        return _publish_claimed(target)
    except ClaimLost:
        logger.warning("target %s was taken over by another worker mid-publish; stopped", target_id)
        return T.PUBLISHING


def _publish_claimed(target: PostTarget) -> str:
    connection = target.profile.connection
    if connection.status != ConnectionStatus.ACTIVE:
        _hold(target, code="disconnected", message="The channel is disconnected; reconnect it.")
        return T.PENDING

    provider = get_provider(target.profile.platform)
    if target.posting_mode == PostingMode.MANUAL and not provider.supports_drafts:
        target_transition(
            target=target, to=T.MANUAL, actor=DISPATCHER, reason="due: waiting to be posted by hand"
        )
        manual_target_notify(target=target)
        return T.MANUAL

    content = publish_content(target)
    problems = provider.validate(content)
    if problems:
        _fail(target, code=problems[0].code, message="; ".join(p.message for p in problems))
        _record(target, started=timezone.now(), ms=0, outcome="invalid", code=problems[0].code)
        return T.FAILED

    request = publish_request(target, content)
    if request.state.get("lost_answer"):  # an earlier answer was lost: look before trying again
        earlier = PlatformError(
            TRANSIENT, "answer_lost", "An earlier answer was lost.", maybe_delivered=True
        )
        settled = _settle_lost_answer(target, provider, request, earlier, then_publish=True)
        if settled is not None:
            return settled
    started, clock = timezone.now(), time.monotonic()
    try:
        # Two phases: everything before the final call (resumable), then the one call that
        # makes the post public. Both run now; prepare could run ahead of the due time.
        provider.prepare(request)
        published = provider.finish(request)
    except SentToDrafts:
        _record(target, started=started, ms=_ms(clock), outcome="sent_to_drafts")
        return _sent_to_drafts(target)
    except NotReady as exc:
        _record(target, started=started, ms=_ms(clock), outcome="not_ready", message=str(exc))
        _wait_for_processing(target, exc)
        return T.PUBLISHING
    except PlatformError as exc:
        _record(
            target,
            started=started,
            ms=_ms(clock),
            outcome=exc.kind,
            code=exc.code,
            status=exc.http_status,
            message=exc.message,
        )
        if exc.maybe_delivered and exc.kind == TRANSIENT:
            return _settle_lost_answer(target, provider, request, exc)
        return _settle_error(target, exc)

    _record(target, started=started, ms=_ms(clock), outcome="published")
    _succeed(target, published, attempts=target.attempts + 1)
    return T.PUBLISHED


def _wait_for_processing(target: PostTarget, exc: NotReady) -> None:
    """The platform is processing: the target stays `publishing` (the queue and calendar tell
    the truth), its claim is released, and the dispatcher claims it again when the check is due."""
    due = timezone.now() + timedelta(seconds=exc.retry_in)
    state = {**target.platform_state, "processing": str(exc)}
    PostTarget.objects.filter(
        pk=target.pk, status=T.PUBLISHING, claim_token=target.claim_token
    ).update(
        claim_token="", claimed_at=due, next_attempt_at=due, platform_state=state,
        updated_at=timezone.now(),
    )  # fmt: skip


# After PUBLISH_COMPLETE without the public id: 30 s, 1, 2, 5, 10, 30 min, then hourly to 72 h.
ID_FOLLOW_EVERY = timedelta(hours=1)
ID_FOLLOW_DELAYS = RetrySchedule.of(
    *(timedelta(seconds=s) for s in (30, 60, 120, 300, 600, 1800)), then=ID_FOLLOW_EVERY
)
ID_FOLLOW_FOR = timedelta(hours=72)


def _succeed(target: PostTarget, published, *, attempts: int, reason: str = "") -> None:
    now = timezone.now()
    state = {**target.platform_state, **published.extra}
    state.pop("processing", None)
    state.pop("lost_answer", None)
    if published.note:
        state["note"] = published.note
    if published.id_pending:
        state.update(id_pending=True, id_polls=0)
    if not target_transition(
        target=target,
        to=T.PUBLISHED,
        actor=DISPATCHER,
        reason=reason,
        attempts=attempts,
        platform_post_id=published.platform_post_id,
        permalink=published.permalink,
        published_at=now,
        next_attempt_at=now + ID_FOLLOW_DELAYS.wait(1) if published.id_pending else None,
        error_code="",
        error_message="",
        platform_state=state,
    ):
        return  # another worker settled it (its claim is the live one)
    if not published.id_pending:
        target_announce_published(target)
        # Right after the post, once; it never changes the post's outcome (first_comment.py).
        first_comment_send(target)


def targets_follow_ids(*, limit: int = 100) -> int:
    """Published posts waiting for the platform's public id (some platforms after moderation)."""
    now = timezone.now()
    due = PostTarget.objects.filter(
        status=T.PUBLISHED, platform_state__id_pending=True, next_attempt_at__lte=now
    )
    followed = 0
    # Each one's next check moves first, so two dispatchers never ask for the same target.
    leased = rows_claim_each(
        due, seen_field="next_attempt_at", write={"next_attempt_at": now + ID_FOLLOW_EVERY},
        limit=limit,
    )  # fmt: skip
    for target_id in leased:
        _follow_id(_load(target_id), now)
        followed += 1
    return followed


def _follow_id(target: PostTarget, now) -> None:
    provider = get_provider(target.profile.platform)
    state = dict(target.platform_state)
    try:
        found = provider.public_id(publish_request(target, target_content(target)))
    except PlatformError as exc:
        if exc.kind != PERMANENT:
            found = None  # a blip, a rate limit or a token being renewed: ask again later
        else:
            _id_settle(
                target, state, note=f"{provider.name} no longer shows the post: {exc.message}"
            )
            return
    if found is not None:
        state.pop("id_pending", None)
        PostTarget.objects.filter(pk=target.pk).update(
            platform_post_id=found.platform_post_id, permalink=found.permalink,
            next_attempt_at=None, platform_state=state, updated_at=now,
        )  # fmt: skip
        target.platform_post_id, target.permalink = found.platform_post_id, found.permalink
        target.platform_state = state
        target_announce_published(target, measured_from=now)
        return
    if target.published_at and now - target.published_at >= ID_FOLLOW_FOR:
        _id_settle(
            target, state,
            note=f"{provider.name} gave no public video id within 72 hours: the post is private "
            "or still under review, so there is no link to it.",
        )  # fmt: skip
        return
    polls = int(state.get("id_polls", 0)) + 1
    state["id_polls"] = polls
    delay = ID_FOLLOW_DELAYS.wait(polls + 1)  # the first wait was set when it was published
    PostTarget.objects.filter(pk=target.pk).update(
        next_attempt_at=now + delay, platform_state=state
    )


def _id_settle(target: PostTarget, state: dict, *, note: str) -> None:
    """Stop asking: published for good, without a public id."""
    state.pop("id_pending", None)
    state["note"] = note
    PostTarget.objects.filter(pk=target.pk).update(next_attempt_at=None, platform_state=state)
    target.platform_state = state
    target_announce_published(target)


def targets_reconcile_stuck(*, lease: timedelta | None = None) -> int:
    """Targets left in `publishing` past the lease (a worker died): ask the platform, never re-post.

    Posted → published; certainly not posted → scheduled again; cannot tell → failed `unconfirmed`.
    """
    lease = lease or timedelta(seconds=settings.PUBLISH_LEASE_SECONDS)
    now = timezone.now()
    # A released claim (no token, a next check planned) is a target the platform is processing,
    # claimed again by `claims_take` when due: not a lost worker.
    stuck = PostTarget.objects.filter(status=T.PUBLISHING, claimed_at__lt=now - lease).exclude(
        claim_token="", next_attempt_at__isnull=False
    )
    settled = 0
    # Claim each afresh first: two dispatchers never reconcile the same target, and the lost
    # worker, should it wake up, no longer holds the claim and cannot settle it.
    leased = rows_claim_each(
        stuck, seen_field="claimed_at", limit=100,
        write=lambda: {"claimed_at": now, "claim_token": new_token()},
    )  # fmt: skip
    for target_id in leased:
        _reconcile(_load(target_id))
        settled += 1
    return settled


def _sent_to_drafts(target: PostTarget) -> str:
    target_transition(
        target=target,
        to=T.SENT_TO_DRAFTS,
        actor=DISPATCHER,
        reason="delivered to the creator's drafts inbox",
        attempts=target.attempts + 1,
        next_attempt_at=timezone.now() + DRAFT_POLL,
        error_code="",
        error_message="",
    )
    return T.SENT_TO_DRAFTS


def _settle_lost_answer(
    target: PostTarget, provider, request, exc: PlatformError, *, then_publish: bool = False
) -> str | None:
    """The platform may have acted and we never heard back: never retry blindly.

    The provider only says how to look (`reconcile`); the rule is here, for every platform:
    found → published; certainly not posted → the normal retry (or, with `then_publish`, None:
    go on publishing now); cannot tell → `unconfirmed`, for a person to settle ("It was posted" /
    "It was not posted"). When the platform cannot even be asked (an outage), the next try
    looks again first, and only the last one gives up as `unconfirmed`.
    """
    try:
        found = provider.reconcile(request)
    except NotReady as processing:  # the platform has it and is still working on it
        _wait_for_processing(target, processing)
        return T.PUBLISHING
    except SentToDrafts:
        return _sent_to_drafts(target)
    except PlatformError as lookup:
        if lookup.kind in (TRANSIENT, RATE_LIMITED) and not RETRY_DELAYS.exhausted(
            target.attempts + 1
        ):
            request.checkpoint({"lost_answer": True})
            return _settle_error(target, exc)
        if _certainly_failed(lookup):  # the platform says it failed: no person needs to check
            _fail(target, code=lookup.code, message=lookup.message, attempts=target.attempts + 1)
            return T.FAILED
        _fail(
            target,
            code="unconfirmed",
            message=f"{provider.name} may have published this post on {target.profile.name}, but "
            f"its answer was lost ({exc.code}) and it could not confirm the post "
            f"({lookup.message}). Check the profile, then tell us whether it was posted.",
            attempts=target.attempts + 1,
        )
        return T.FAILED
    if found is not None:
        _succeed(target, found, attempts=target.attempts + 1,
                 reason=f"answer lost ({exc.code}); {provider.name} shows the post")  # fmt: skip
        return T.PUBLISHED
    if request.state.get("lost_answer"):
        request.checkpoint({"lost_answer": False})
    if then_publish:
        return None
    return _settle_error(target, exc)  # certainly not posted: safe to try again


def _reconcile(target: PostTarget) -> None:
    provider = get_provider(target.profile.platform)
    request = publish_request(target, publish_content(target))
    try:
        published = provider.reconcile(request)
    except NotReady as processing:  # it went through and the platform is still processing
        _wait_for_processing(target, processing)
        return
    except SentToDrafts:
        _sent_to_drafts(target)
        return
    except PlatformError as exc:
        if _certainly_failed(exc):
            _fail(target, code=exc.code, message=exc.message)
            return
        _fail(
            target,
            code="unconfirmed",
            message=f"The worker stopped mid-publish and {provider.name} could not confirm the "
            f"post ({exc.code}: {exc.message}). Check the profile, then tell us whether it was "
            "posted.",
        )
        return
    if published is not None:
        _succeed(
            target,
            published,
            attempts=target.attempts + 1,
            reason="worker lost; the platform confirmed the post",
        )
        return
    target_transition(
        target=target,
        to=T.SCHEDULED,
        actor=DISPATCHER,
        reason="worker lost before publishing; the platform has no post, so it is safe to retry",
        next_attempt_at=timezone.now(),
    )


def _certainly_failed(exc: PlatformError) -> bool:
    """A lookup's answer that the post failed on the platform (its processing failed), rather
    than that the platform cannot tell."""
    return exc.kind == PERMANENT and exc.post_failed


def _settle_error(target: PostTarget, exc: PlatformError) -> str:
    now = timezone.now()
    if exc.kind == RATE_LIMITED:
        wait = timedelta(seconds=exc.retry_after) if exc.retry_after else RATE_LIMIT_WAIT
        target_transition(
            target=target,
            to=T.SCHEDULED,
            actor=DISPATCHER,
            reason=f"rate limited ({exc.code}); waiting {int(wait.total_seconds())} s",
            next_attempt_at=now + wait,
            error_code=exc.code,
            error_message=exc.message[:2000],
        )
        return T.SCHEDULED
    if exc.kind == AUTH:
        connection = target.profile.connection
        if _refreshed(connection):
            # A fresh token may be all it needed: go again now, no attempt used.
            target_transition(
                target=target,
                to=T.SCHEDULED,
                actor=DISPATCHER,
                reason=f"token refreshed after {exc.code}; trying again",
                next_attempt_at=now,
            )
            return T.SCHEDULED
        _hold(target, code=exc.code, message=exc.message)
        connection_disconnect(connection=connection, reason=f"{exc.code}: {exc.message}")
        return T.PENDING
    if exc.kind == TRANSIENT:
        attempts = target.attempts + 1
        delay = RETRY_DELAYS.wait(attempts)
        if delay is not None:
            target_transition(
                target=target,
                to=T.SCHEDULED,
                actor=DISPATCHER,
                reason=f"transient error {exc.code}; retry {attempts} in {delay}",
                attempts=attempts,
                next_attempt_at=now + delay,
                error_code=exc.code,
                error_message=exc.message[:2000],
            )
            return T.SCHEDULED
        _fail(target, code=exc.code, message=exc.message, attempts=attempts)
        return T.FAILED
    assert exc.kind == PERMANENT
    _fail(target, code=exc.code, message=exc.message, attempts=target.attempts + 1)
    return T.FAILED


def _refreshed(connection) -> bool:
    """Try the refresh token once; only a real new token counts."""
    try:
        return connection_refresh(connection=connection)
    except PlatformError as exc:
        logger.info("refresh of connection %s failed: %s", connection.pk, exc.code)
        return False


def _fail(target: PostTarget, *, code: str, message: str, attempts: int | None = None) -> None:
    if not target_transition(
        target=target,
        to=T.FAILED,
        actor=DISPATCHER,
        reason=f"{code}: {message}"[:500],
        attempts=target.attempts if attempts is None else attempts,
        next_attempt_at=None,
        error_code=code[:100],
        error_message=message[:2000],
    ):
        return
    event = EventType.TARGET_UNCONFIRMED if code == "unconfirmed" else EventType.TARGET_FAILED
    target_event(target=target, event=event)


def _hold(target: PostTarget, *, code: str, message: str) -> None:
    target_transition(
        target=target,
        to=T.PENDING,
        actor=DISPATCHER,
        reason=f"held: {message}"[:500],
        next_attempt_at=None,
        error_code=code[:100],
        error_message=message[:2000],
    )


def _ms(clock: float) -> int:
    return int((time.monotonic() - clock) * 1000)


def _record(target, *, started, ms, outcome, code="", status=None, message="") -> None:
    PublishAttempt.objects.create(
        target=target,
        started_at=started,
        duration_ms=ms,
        outcome=outcome,
        http_status=status,
        error_code=code[:100],
        message=message[:2000],
    )

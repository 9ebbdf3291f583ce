"""The first comment: posted once, right after the post, on platforms that take one.

It is its own step with its own PublishAttempt rows ("first_comment" / "first_comment_failed"),
and it never touches the post: the target stays `published` whatever happens to the comment, and
a person reads what went wrong in `first_comment_warning` (the post page, the queue, the API note).

Exactly once, for every platform (the provider only says how to post and how to look):
- Before the call, `first_comment_sent` is checkpointed together with a due time (a lease), so a
  worker that dies mid-call leaves a target the next tick picks up, and that tick looks first.
- After a lost answer (a timeout, a dropped connection, a 5xx), the next try looks for the comment
  before posting: found → done; certainly absent → post; the platform cannot tell → a warning for
  a person, never a second comment.
- transient / rate limited: tried again after 1, 5, 25 minutes (the post's schedule), then a
  warning; permanent / auth: a warning at once.
Targets whose public id comes later (id_pending) and platforms without first comments: skipped.
"""

import time
from datetime import timedelta

from django.utils import timezone

from channels.http import RATE_LIMITED, TRANSIENT, PlatformError
from channels.providers import get_provider
from channels.providers.base import Published
from publishing.models import PostTarget, PublishAttempt, TargetStatus
from publishing.requests import publish_content, publish_request
from socialdist.leases import rows_claim_each
from socialdist.retries import RetrySchedule

T = TargetStatus
RETRY_DELAYS = RetrySchedule.of(timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=25))
RATE_LIMIT_WAIT = timedelta(minutes=15)
# While one worker posts the comment: if it dies, the comment is looked for again after this.
LEASE = timedelta(minutes=10)

SENT, DUE, TRIES = "first_comment_sent", "first_comment_due", "first_comment_tries"
COMMENT_ID, WARNING = "first_comment_id", "first_comment_warning"


def first_comment_send(target: PostTarget) -> str:
    """Post the first comment of a just-published target (or look for it after a lost answer).

    Returns what happened: skipped | posted | retrying | warned. Never raises for the platform.
    """
    state = target.platform_state
    if (
        target.status != T.PUBLISHED
        or not target.platform_post_id
        or state.get("id_pending")
        or state.get(COMMENT_ID)
    ):
        return "skipped"
    provider = get_provider(target.profile.platform)
    content = publish_content(target)
    if not provider.takes_first_comment or not content.first_comment.strip():
        return "skipped"
    request = publish_request(target, content)  # published: its writes need no claim
    published = Published(platform_post_id=target.platform_post_id, permalink=target.permalink)
    state = dict(state)
    tries = int(state.get(TRIES, 0))

    started, clock = timezone.now(), time.monotonic()
    if state.get(SENT):  # an earlier call may have gone through: look before posting again
        try:
            found = provider.find_first_comment(request, published)
        except PlatformError as exc:
            _record(target, started, clock, exc)
            if exc.kind in (TRANSIENT, RATE_LIMITED) and not RETRY_DELAYS.exhausted(max(tries, 1)):
                return _retry(target, state, provider, exc, max(tries, 1))  # look again later
            return _warn(
                target, state,
                f"Published, but {provider.name} may not have taken the first comment: its "
                f"answer was lost and it could not confirm the comment ({exc.message}). Check the "
                "post; the comment is not sent again.",
            )  # fmt: skip
        if found:
            _record(target, started, clock, None, message="found after a lost answer")
            return _posted(target, state, found)
        state[SENT] = False  # certainly not posted: safe to post

    tries += 1
    state.update({SENT: True, DUE: True, TRIES: tries})
    _save(target, state, next_at=timezone.now() + LEASE)  # the checkpoint before the call
    started, clock = timezone.now(), time.monotonic()
    try:
        comment_id = provider.post_first_comment(request, published)
    except PlatformError as exc:
        _record(target, started, clock, exc)
        if not exc.maybe_delivered:
            state[SENT] = False  # refused or never arrived: no need to look next time
        if exc.kind in (TRANSIENT, RATE_LIMITED) and not RETRY_DELAYS.exhausted(tries):
            return _retry(target, state, provider, exc, tries)
        if exc.kind in (TRANSIENT, RATE_LIMITED):
            return _warn(
                target, state,
                f"Published, but {provider.name} did not take the first comment after {tries} "
                f"tries: {exc.message}",
            )  # fmt: skip
        return _warn(
            target,
            state,
            f"Published, but {provider.name} refused the first comment: {exc.message}",
        )
    _record(target, started, clock, None)
    return _posted(target, state, comment_id)


def targets_retry_first_comments(*, limit: int = 100) -> int:
    """Every dispatcher tick: first comments due again (a retry, or a worker lost mid-call)."""
    now = timezone.now()
    due = PostTarget.objects.filter(
        status=T.PUBLISHED, platform_state__first_comment_due=True, next_attempt_at__lte=now
    )
    # Each one's next time moves first, so two dispatchers never comment on the same post.
    leased = rows_claim_each(
        due, seen_field="next_attempt_at", write={"next_attempt_at": now + LEASE}, limit=limit
    )
    done = 0
    for target_id in leased:
        target = PostTarget.objects.select_related("post__account", "profile__connection").get(
            pk=target_id
        )
        first_comment_send(target)
        done += 1
    return done


def _posted(target: PostTarget, state: dict, comment_id: str) -> str:
    for key in (SENT, DUE, WARNING):
        state.pop(key, None)
    state[COMMENT_ID] = comment_id
    _save(target, state, next_at=None)
    return "posted"


def _retry(target: PostTarget, state: dict, provider, exc: PlatformError, tries: int) -> str:
    if exc.kind == RATE_LIMITED:
        wait = timedelta(seconds=exc.retry_after) if exc.retry_after else RATE_LIMIT_WAIT
    else:
        wait = RETRY_DELAYS.wait(tries)
    minutes = max(1, round(wait.total_seconds() / 60))
    state[DUE] = True
    state[WARNING] = (
        f"Published, but {provider.name} did not take the first comment yet ({exc.message}); "
        f"trying again in {minutes} min."
    )
    _save(target, state, next_at=timezone.now() + wait)
    return "retrying"


def _warn(target: PostTarget, state: dict, warning: str) -> str:
    state.pop(DUE, None)
    state[WARNING] = warning[:2000]
    _save(target, state, next_at=None)
    return "warned"


def _save(target: PostTarget, state: dict, *, next_at) -> None:
    """Only ever the target's platform_state and next time: never its status or the post."""
    PostTarget.objects.filter(pk=target.pk, status=T.PUBLISHED).update(
        platform_state=state, next_attempt_at=next_at, updated_at=timezone.now()
    )
    target.platform_state, target.next_attempt_at = dict(state), next_at


def _record(target, started, clock, exc: PlatformError | None, *, message: str = "") -> None:
    PublishAttempt.objects.create(
        target=target,
        started_at=started,
        duration_ms=int((time.monotonic() - clock) * 1000),
        outcome="first_comment" if exc is None else "first_comment_failed",
        http_status=exc.http_status if exc else None,
        error_code=exc.code[:100] if exc else "",
        message=(exc.message if exc else message)[:2000],
    )

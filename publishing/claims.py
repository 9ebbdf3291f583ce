"""Claims: the dispatcher takes due targets exactly once.

A claim moves `scheduled` targets to `publishing` through the bulk transition (one audit row each)
and stamps a fresh claim token on them; a target the platform is still processing is claimed again
under a new token without a new transition.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from publishing.articles import held_filter
from publishing.models import PostStatus, PostTarget, TargetStatus
from publishing.transitions import Actor, targets_transition_bulk
from socialdist.leases import new_token, skip_locked

T = TargetStatus
DISPATCHER = Actor(label="dispatcher")


def due_targets(now=None):
    """Scheduled targets whose time has come, except those waiting for their post's article
    (publishing/articles.py): they stay scheduled and are looked at again every tick."""
    now = now or timezone.now()
    due = PostTarget.objects.filter(
        Q(next_attempt_at__isnull=True, scheduled_at__lte=now) | Q(next_attempt_at__lte=now),
        status=T.SCHEDULED,
        post__status=PostStatus.APPROVED,
    )
    return held_filter(due)


def targets_claim_due(*, limit: int | None = None) -> list[int]:
    """The ids of `claims_take`, for callers that publish in this process."""
    return claims_take(limit=limit)[1]


def claims_take(
    *, limit: int | None = None, posts: list[int] | None = None
) -> tuple[str, list[int]]:
    """Claim up to `limit` due targets for this worker; no target is ever claimed twice.

    `posts` narrows the claim to those posts' targets (social posts whose article just went live).
    Returns the claim token with the ids: a publish task carries the token, so a redelivered task
    cannot publish a target that has been claimed again since.

    One conditional UPDATE stamps a fresh claim token on rows still `scheduled`, so whatever another
    dispatcher took first no longer matches. On PostgreSQL the candidates are also read with
    FOR UPDATE SKIP LOCKED, so concurrent dispatchers take disjoint batches instead of racing for
    the same rows.
    """
    now = timezone.now()
    limit = limit or settings.DISPATCH_BATCH_SIZE
    token = new_token()
    with transaction.atomic():
        due = due_targets(now)
        if posts is not None:
            due = due.filter(post_id__in=posts)
        due = skip_locked(due.order_by("scheduled_at", "pk"))
        candidates = list(due.values_list("pk", flat=True)[:limit])
        resumed = []
        if posts is None:
            waiting = skip_locked(processing_due(now).order_by("next_attempt_at", "pk"))
            resumed = list(waiting.values_list("pk", flat=True)[: max(0, limit - len(candidates))])
        if not candidates and not resumed:
            return token, []
        targets_transition_bulk(
            target_ids=candidates,
            frm=T.SCHEDULED,
            to=T.PUBLISHING,
            actor=DISPATCHER,
            claim_token=token,
            claimed_at=now,
            updated_at=now,
        )
        # Still `publishing` while the platform processes: claimed again, no new transition.
        PostTarget.objects.filter(pk__in=resumed, status=T.PUBLISHING, claim_token="").update(
            claim_token=token, claimed_at=now, updated_at=now
        )
    return token, list(PostTarget.objects.filter(claim_token=token).values_list("pk", flat=True))


def processing_due(now=None):
    """Targets the platform is processing whose next status check is due (claim released)."""
    return PostTarget.objects.filter(
        status=T.PUBLISHING, claim_token="", next_attempt_at__lte=now or timezone.now()
    )

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, F, Min, Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils import timezone

from accounts.models import ClientAccount
from library.models import MediaAsset
from library.selectors import StoredFile, asset_file_for_path
from publishing.articles import article_platforms, held_filter
from publishing.models import (
    AuditEntry,
    Heartbeat,
    Post,
    PostComment,
    PostMedia,
    PostStatus,
    PostTarget,
    PublishAttempt,
    TargetStatus,
    WebhookEndpoint,
)


def posts_for_account(
    *,
    account: ClientAccount,
    status: str = "",
    platform: str = "",
    bucket: str = "",
    date_from: datetime | None = None,
    date_to: datetime | None = None,
) -> QuerySet[Post]:
    """Posts of one account with their targets and media loaded in a fixed number of queries.

    `status` matches a post status (draft, awaiting_approval, approved) or a target status.
    """
    posts = Post.objects.filter(account=account)
    target_filter: dict = {}
    if status in PostStatus.values:
        posts = posts.filter(status=status)
    elif status:
        if status not in TargetStatus.values:
            raise ValueError(f"Use one of {', '.join(PostStatus.values + TargetStatus.values)}.")
        target_filter["status"] = status
    if platform:
        target_filter["profile__platform"] = platform
    if date_from:
        target_filter["scheduled_at__gte"] = date_from
    if date_to:
        target_filter["scheduled_at__lt"] = date_to
    if target_filter:
        posts = posts.filter(
            pk__in=PostTarget.objects.filter(post__account=account, **target_filter).values(
                "post_id"
            )
        )
    if bucket:
        posts = posts.filter(bucket=bucket)
    return posts.prefetch_related(
        "media__asset",
        "versions",
        Prefetch("targets", queryset=PostTarget.objects.select_related("profile")),
    ).order_by("-created_at", "-pk")


def post_for_account(*, account: ClientAccount, post_id: int) -> Post | None:
    return posts_for_account(account=account).filter(pk=post_id).first()


def target_for_account(*, account: ClientAccount, target_id: int) -> PostTarget | None:
    return (
        PostTarget.objects.select_related("post__account", "profile")
        .filter(post__account=account, pk=target_id)
        .first()
    )


def targets_waiting_manual(*, account: ClientAccount) -> QuerySet[PostTarget]:
    return (
        PostTarget.objects.filter(post__account=account, status=TargetStatus.MANUAL)
        .select_related("post", "profile")
        .prefetch_related("post__media")
        .order_by("scheduled_at", "pk")
    )


@dataclass
class SchedulerHealth:
    healthy: bool
    heartbeat_at: datetime | None
    heartbeat_age_s: int | None
    overdue_count: int
    oldest_overdue_s: int | None
    problems: list[str]


def scheduler_health() -> SchedulerHealth:
    """Is the dispatcher running, and is it keeping up with what is due?"""
    now = timezone.now()
    max_lag = settings.HEALTH_MAX_LAG_SECONDS
    beat = Heartbeat.objects.filter(name="dispatcher").values_list("last_seen", flat=True).first()
    beat_age = int((now - beat).total_seconds()) if beat else None
    overdue = PostTarget.objects.filter(
        Q(next_attempt_at__isnull=True, scheduled_at__lte=now - timedelta(seconds=max_lag))
        | Q(next_attempt_at__lte=now - timedelta(seconds=max_lag)),
        status=TargetStatus.SCHEDULED,
        post__status=PostStatus.APPROVED,
    )
    overdue = held_filter(overdue)  # waiting for their article on purpose: not late
    stats = overdue.aggregate(
        count=Count("pk"), oldest_scheduled=Min("scheduled_at"), oldest_retry=Min("next_attempt_at")
    )
    oldest = min(filter(None, [stats["oldest_scheduled"], stats["oldest_retry"]]), default=None)
    problems = []
    if beat is None:
        problems.append("The dispatcher has never run: is the Celery worker with beat running?")
    elif beat_age > max_lag:
        problems.append(f"The dispatcher last ran {beat_age // 60} min ago.")
    if stats["count"]:
        problems.append(
            f"{stats['count']} due post(s) are waiting longer than {max_lag // 60} min."
        )
    return SchedulerHealth(
        healthy=not problems,
        heartbeat_at=beat,
        heartbeat_age_s=beat_age,
        overdue_count=stats["count"],
        oldest_overdue_s=int((now - oldest).total_seconds()) if oldest else None,
        problems=problems,
    )


def media_for_path(path: str) -> PostMedia | StoredFile | None:
    """The uploaded file stored under `path` (its row holds the sniffed type): a post's upload,
    or a media library file (original, poster, thumbnail, JPEG rendition)."""
    return PostMedia.objects.filter(file=path).exclude(file="").first() or asset_file_for_path(path)


# Targets that have not gone out yet: their media must stay.
TARGETS_TO_GO_OUT = (
    TargetStatus.PENDING,
    TargetStatus.SCHEDULED,
    TargetStatus.PUBLISHING,
    TargetStatus.MANUAL,
)


def asset_use_refusal(*, asset: MediaAsset) -> str | None:
    """A sentence when a post still to go out (draft, awaiting approval, scheduled, publishing,
    waiting to be posted by hand) uses the asset; None when it may be deleted."""
    posts = list(
        Post.objects.filter(media__asset=asset, targets__status__in=TARGETS_TO_GO_OUT)
        .distinct()
        .order_by("pk")[:4]
    )
    if not posts:
        return None
    shown = ", ".join(f"#{p.pk}" for p in posts[:3]) + (" and more" if len(posts) > 3 else "")
    what = "post" if len(posts) == 1 else "posts"
    return (
        f"{asset} cannot be deleted: {what} {shown} still to be published "
        f"{'uses' if len(posts) == 1 else 'use'} it. Remove it from "
        f"{'that post' if len(posts) == 1 else 'those posts'} or cancel "
        f"{'it' if len(posts) == 1 else 'them'} first."
    )


def asset_file_referenced(*, asset: MediaAsset) -> bool:
    """A post's media row (e.g. a published post's) still names the asset's original file."""
    return PostMedia.objects.filter(file=asset.file.name).exists()


def webhooks_for_account(*, account: ClientAccount) -> QuerySet[WebhookEndpoint]:
    return account.webhooks.all()


def webhook_for_account(*, account: ClientAccount, webhook_id: int) -> WebhookEndpoint | None:
    return account.webhooks.filter(pk=webhook_id).first()


def post_prefetch_snapshots(*, post: Post) -> Post:
    """The post page shows each target's metric snapshots."""
    prefetch_related_objects([post], "targets__snapshots")
    return post


def post_audit(*, post: Post) -> QuerySet[AuditEntry]:
    return post.audit.select_related("actor", "target__profile")


def post_attempts(*, post: Post) -> QuerySet[PublishAttempt]:
    return PublishAttempt.objects.filter(target__post=post).order_by("-started_at")


def post_comments(*, post: Post) -> QuerySet[PostComment]:
    return post.comments.all()


def targets_for_queue(*, account: ClientAccount) -> QuerySet[PostTarget]:
    """The queue: every target of the account, oldest due first and those without a time last
    (filters narrow or re-sort it); with the posts' media and library items for the rows'
    thumbnails (one query per page)."""
    targets = (
        PostTarget.objects.filter(post__account=account)
        .select_related("post", "profile")
        .prefetch_related(
            Prefetch("post__media", queryset=PostMedia.objects.select_related("asset"))
        )
        .order_by(F("scheduled_at").asc(nulls_last=True), "pk")
    )
    if article_platforms():  # "Waiting for the article" reads the post's targets and versions
        targets = targets.prefetch_related(
            Prefetch("post__targets", queryset=PostTarget.objects.select_related("profile")),
            "post__versions",
        )
    return targets

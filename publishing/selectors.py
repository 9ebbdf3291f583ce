from datetime import datetime

from django.db.models import Prefetch, QuerySet

from accounts.models import ClientAccount
from publishing.models import Post, PostStatus, PostTarget, TargetStatus


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
        "media",
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

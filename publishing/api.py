from datetime import datetime
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from publishing.approval import DECIDERS, post_reject
from publishing.models import Post, PostTarget
from publishing.selectors import post_for_account, posts_for_account, target_for_account
from publishing.services import (
    Actor,
    MediaInput,
    post_approve,
    post_create,
    target_cancel,
    target_mark_posted,
    target_reschedule,
    target_retry,
)

router = Router(tags=["posts"])


class MediaIn(Schema):
    url: str
    kind: Literal["image", "video"]


class PostIn(Schema):
    caption: str = ""
    post_type: str = "feed"
    media: list[MediaIn] = []
    targets: list[int]
    bucket: str = ""
    link: str = ""
    title: str = ""
    scheduled_at: datetime | None = None
    submit: bool = True
    posting_mode: Literal["automatic", "manual", ""] = ""


class MediaOut(Schema):
    url: str
    kind: str


class TargetOut(Schema):
    id: int
    profile_id: int
    platform: str
    status: str
    posting_mode: str
    scheduled_at: datetime | None
    attempts: int
    next_attempt_at: datetime | None
    error_code: str
    error_message: str
    platform_post_id: str
    permalink: str
    published_at: datetime | None


class PostOut(Schema):
    id: int
    status: str
    caption: str
    post_type: str
    bucket: str
    link: str
    title: str
    version: int
    created_at: datetime
    media: list[MediaOut]
    targets: list[TargetOut]

    @staticmethod
    def resolve_media(post: Post) -> list[dict]:
        return [{"url": m.public_url, "kind": m.kind} for m in post.media.all()]

    @staticmethod
    def resolve_targets(post: Post) -> list[PostTarget]:
        return list(post.targets.all())


class PostListFilters(Schema):
    status: str = ""
    platform: str = ""
    bucket: str = ""
    date_from: datetime | None = Field(None, alias="from")
    date_to: datetime | None = Field(None, alias="to")


class MarkPostedIn(Schema):
    permalink: str = ""


class RescheduleIn(Schema):
    scheduled_at: datetime


def _actor(request) -> Actor:
    return Actor(label=f"api:{request.auth.name}"[:100])


def _post_or_404(request, post_id: int) -> Post:
    post = post_for_account(account=request.account, post_id=post_id)
    if post is None:
        raise Http404(f"No post {post_id} in this account.")
    return post


def _target_or_404(request, target_id: int) -> PostTarget:
    target = target_for_account(account=request.account, target_id=target_id)
    if target is None:
        raise Http404(f"No target {target_id} in this account.")
    return target


@router.post("/posts", response={201: PostOut})
def create_post(request, payload: PostIn):
    """Create (and by default submit) a post; `scheduled_at` absent = next free slot."""
    post = post_create(
        account=request.account,
        actor=_actor(request),
        caption=payload.caption,
        post_type=payload.post_type,
        media=[MediaInput(kind=m.kind, url=m.url) for m in payload.media],
        profile_ids=payload.targets,
        bucket=payload.bucket,
        link=payload.link,
        title=payload.title,
        scheduled_at=payload.scheduled_at,
        submit=payload.submit,
        posting_mode=payload.posting_mode,
    )
    return Status(201, _post_or_404(request, post.pk))


@router.get("/posts", response=list[PostOut])
@paginate(LimitOffsetPagination)
def list_posts(request, filters: Query[PostListFilters]):
    try:
        return posts_for_account(account=request.account, **filters.model_dump())
    except ValueError as exc:
        raise ValidationError({"status": [str(exc)]}) from exc


@router.get("/posts/{post_id}", response=PostOut)
def get_post(request, post_id: int):
    return _post_or_404(request, post_id)


@router.post("/targets/{target_id}/retry", response=TargetOut)
def retry_target(request, target_id: int):
    return target_retry(target=_target_or_404(request, target_id), actor=_actor(request))


@router.post("/targets/{target_id}/cancel", response=TargetOut)
def cancel_target(request, target_id: int):
    return target_cancel(target=_target_or_404(request, target_id), actor=_actor(request))


@router.post("/targets/{target_id}/reschedule", response=TargetOut)
def reschedule_target(request, target_id: int, payload: RescheduleIn):
    return target_reschedule(
        target=_target_or_404(request, target_id),
        actor=_actor(request),
        scheduled_at=payload.scheduled_at,
    )


@router.post("/targets/{target_id}/mark-posted", response=TargetOut)
def mark_posted(request, target_id: int, payload: MarkPostedIn):
    """A `manual` target was posted by hand; optionally give its permalink."""
    return target_mark_posted(
        target=_target_or_404(request, target_id),
        actor=_actor(request),
        permalink=payload.permalink,
    )


class RejectIn(Schema):
    comment: str


def _decider(request) -> Actor:
    if request.auth.role not in DECIDERS:
        raise PermissionDenied(
            "This token cannot approve or reject; create one with "
            "`create_api_token SLUG --role reviewer`."
        )
    return _actor(request)


@router.post("/posts/{post_id}/approve", response=PostOut)
def approve_post(request, post_id: int):
    post = _post_or_404(request, post_id)
    post_approve(
        post=post, actor=_decider(request), reason=f"approved version {post.version} via API"
    )
    return _post_or_404(request, post_id)


@router.post("/posts/{post_id}/reject", response=PostOut)
def reject_post(request, post_id: int, payload: RejectIn):
    post = _post_or_404(request, post_id)
    try:
        post_reject(post=post, actor=_decider(request), comment=payload.comment)
    except ValueError as exc:
        raise ValidationError({"comment": [str(exc)]}) from exc
    return _post_or_404(request, post_id)

from datetime import datetime
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, StrictBool, StringConstraints, create_model, model_validator

from accounts.permissions import Can, role_may
from channels.providers import PROVIDERS
from library.selectors import asset_for_account
from publishing.approval import DECIDERS, post_reject, post_versions_set
from publishing.articles import options_for_platform, post_release_article_wait, post_wait_flag
from publishing.lifecycle import post_delete, post_duplicate, target_restore
from publishing.models import Post, PostStatus, PostTarget, PostType, TargetStatus
from publishing.selectors import post_for_account, posts_for_account, target_for_account
from publishing.services import Actor, MediaInput, post_approve, post_create
from publishing.targets import (
    target_cancel,
    target_mark_posted,
    target_reschedule,
    target_retry,
    target_settle_unconfirmed,
)
from publishing.versions import versions_as_dict
from socialdist.api_types import (
    MAX_ID,
    ApiDateTime,
    BoundedLimitOffsetPagination,
    Id,
    errors,
)

router = Router(tags=["posts"])


# Lengths match the model columns: longer input is a 422 naming the field, not a DataError.
class MediaIn(Schema):
    url: str = Field("", max_length=2000, description="An http:// or https:// URL.")
    kind: Literal["image", "video"] | None = Field(None, description="Needed with `url`.")
    asset_id: Id | None = Field(
        None, description="A media library item (`POST /media`) instead of a `url`."
    )

    @model_validator(mode="after")
    def _url_or_asset(self):
        if self.asset_id is None and not (self.url and self.kind):
            raise ValueError("Give a url and its kind, or the asset_id of a media library item.")
        return self


class _OptionsBase(Schema):
    model_config = ConfigDict(extra="forbid")  # a misspelt option is a 422, not ignored


def _options_fields() -> dict:
    """Every registered provider's declared post options, as optional schema fields."""
    fields: dict = {}
    for provider in PROVIDERS.values():
        for spec in provider.options:
            if spec.key in fields or not spec.per_post:
                continue
            if spec.kind == "choice":
                # Platforms sharing a key (a visibility) each take their own values: the schema
                # takes any of them, and each platform's validation checks its own.
                values = {v: None for p in PROVIDERS.values() for o in p.options
                          if o.key == spec.key and o.kind == "choice" for v, _ in o.choices}  # fmt: skip
                kind = Literal[tuple(values)]
            elif spec.is_list:
                kind = list[Annotated[str, StringConstraints(max_length=spec.max_length)]]
            elif spec.is_text:
                kind = Annotated[str, StringConstraints(max_length=spec.max_length)]
            else:
                kind = bool
            described = f"{provider.name}: {spec.label}." + (f" {spec.help}" if spec.help else "")
            fields[spec.key] = (kind | None, Field(None, description=described))
    return fields


PostOptionsIn = create_model(
    "PostOptionsIn",
    __base__=_OptionsBase,
    __doc__="Per-platform choices for this post; they win over the profile's defaults.",
    **_options_fields(),
)


class VersionIn(Schema):
    """The post adapted for one network (a platform slug) or one profile (its id): only what
    it changes; anything left out comes from the post."""

    model_config = ConfigDict(extra="forbid")

    caption: str | None = Field(None, max_length=10_000)
    title: str | None = Field(None, max_length=300)
    post_type: str | None = Field(
        None, max_length=20, json_schema_extra={"enum": PostType.values},
        description="Its own post type, e.g. a reel on one network and a video on another.",
    )  # fmt: skip
    media: list[Annotated[int, Field(ge=0, le=1000)]] | None = Field(
        None, max_length=100, description="Positions into the post's media, in this order."
    )
    first_comment: str | None = Field(None, max_length=10_000)
    options: PostOptionsIn | None = None


class PostIn(Schema):
    caption: str = ""
    # Documented as an enum, checked by post_create (a 400 that lists the choices).
    post_type: str = Field("feed", max_length=20, json_schema_extra={"enum": PostType.values})
    media: list[MediaIn] = []
    targets: list[Id]
    bucket: str = Field("", max_length=100)
    link: str = Field("", max_length=2000, description="An http:// or https:// URL.")
    title: str = Field("", max_length=300)
    scheduled_at: ApiDateTime | None = None
    submit: bool = True
    posting_mode: Literal["automatic", "manual", ""] = ""
    options: PostOptionsIn = Field(default_factory=PostOptionsIn)
    first_comment: str = Field("", max_length=10_000, description="Posted right after the post.")
    versions: dict[Annotated[str, Field(max_length=20)], VersionIn] = Field(
        default_factory=dict,
        max_length=50,
        description="Per network: a platform slug or a profile id as a "
        "string, mapped to what that network's version changes.",
    )
    wait_for_article: StrictBool | None = Field(
        None,
        description="For a post that goes to a blog and to social profiles: the social posts "
        "publish only once the blog article is live, with `{article_url}` in their caption or "
        "first comment replaced by the article's link (UTM tags added when the account uses "
        "them). Absent or null: they wait when a caption or first comment uses "
        "`{article_url}`. `{article_url}` without a blog profile, or with this set to false, "
        "is a 400 naming the field.",
    )


class MediaOut(Schema):
    url: str
    kind: str


class TargetOut(Schema):
    id: int
    profile_id: int
    platform: str
    post_type: str
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
    # The platform's publishing job (a publish_id), apart from the post's own id, which
    # can arrive later; status_detail says so in words ("Published — waiting for …").
    publish_id: str
    status_detail: str
    note: str

    @staticmethod
    def resolve_status_detail(target: PostTarget) -> str:
        return target.status_label

    @staticmethod
    def resolve_note(target: PostTarget) -> str:
        return target.status_note


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
    options: dict
    first_comment: str
    versions: dict[str, dict]
    media: list[MediaOut]
    targets: list[TargetOut]
    wait_for_article: bool = Field(
        description="Whether its social posts wait for its blog article (see PostIn)."
    )

    @staticmethod
    def resolve_options(post: Post) -> dict:
        return options_for_platform(post.options)  # the switch is `wait_for_article`

    @staticmethod
    def resolve_wait_for_article(post: Post) -> bool:
        return post_wait_flag(post)

    @staticmethod
    def resolve_versions(post: Post) -> dict[str, dict]:
        return versions_as_dict(post)

    @staticmethod
    def resolve_media(post: Post) -> list[dict]:
        return [{"url": m.public_url, "kind": m.kind} for m in post.media.all()]

    @staticmethod
    def resolve_targets(post: Post) -> list[PostTarget]:
        return list(post.targets.all())


class PostListFilters(Schema):
    status: str = Field(
        "", json_schema_extra={"enum": ["", *PostStatus.values, *TargetStatus.values]}
    )
    platform: str = ""
    bucket: str = ""
    date_from: ApiDateTime | None = Field(None, alias="from")
    date_to: ApiDateTime | None = Field(None, alias="to")


class MarkPostedIn(Schema):
    permalink: str = Field("", max_length=1000, description="The live post's https:// URL.")


class SettleIn(Schema):
    # true or false only: "no" must not be read as a choice someone did not make.
    posted: StrictBool = Field(..., description="Whether the post is live on the profile.")
    permalink: str = Field(
        "", max_length=1000, description="When posted: the live post's https:// URL."
    )


class RescheduleIn(Schema):
    scheduled_at: ApiDateTime


PostId = Path(..., ge=1, le=MAX_ID)
TargetId = Path(..., ge=1, le=MAX_ID)


def _actor(request) -> Actor:
    return Actor(label=f"api:{request.auth.name}"[:100], key=f"token:{request.auth.pk}")


def _manager(request) -> Actor:
    """Retry, cancel, restore, reschedule, mark posted, settle, delete: not for reviewer tokens
    (README "Roles")."""
    if not role_may(request.auth.role, Can.MANAGE_POSTS):
        raise PermissionDenied(
            "Reviewer tokens cannot retry, cancel, restore, reschedule, mark, settle or delete "
            "posts; use a marketer or admin token from create_api_token."
        )
    return _actor(request)


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


def _media_input(request, item: MediaIn) -> MediaInput:
    if item.asset_id is None:
        return MediaInput(kind=item.kind or "", url=item.url)
    asset = asset_for_account(account=request.account, asset_id=item.asset_id)
    if asset is None:
        raise ValidationError({"media": [f"No media {item.asset_id} in this account's library."]})
    return MediaInput(asset=asset)


@router.post("/posts", response={201: PostOut, **errors()})
def create_post(request, payload: PostIn):
    """Create (and by default submit) a post; `scheduled_at` absent = next free slot."""
    post = post_create(
        account=request.account,
        actor=_actor(request),
        caption=payload.caption,
        post_type=payload.post_type,
        media=[_media_input(request, m) for m in payload.media],
        profile_ids=payload.targets,
        bucket=payload.bucket,
        link=payload.link,
        title=payload.title,
        scheduled_at=payload.scheduled_at,
        submit=payload.submit,
        posting_mode=payload.posting_mode,
        options=payload.options.model_dump(exclude_none=True),
        first_comment=payload.first_comment,
        wait_for_article=payload.wait_for_article,
        versions={
            key: version.model_dump(exclude_none=True, exclude={"options"})
            | (
                {"options": version.options.model_dump(exclude_none=True)}
                if version.options
                else {}
            )
            for key, version in payload.versions.items()
        },
    )
    return Status(201, _post_or_404(request, post.pk))


@router.get("/posts", response={200: list[PostOut], **errors()})
@paginate(BoundedLimitOffsetPagination)
def list_posts(request, filters: Query[PostListFilters]):
    try:
        return posts_for_account(account=request.account, **filters.model_dump())
    except ValueError as exc:
        raise ValidationError({"status": [str(exc)]}) from exc


@router.get("/posts/{post_id}", response={200: PostOut, **errors(404)})
def get_post(request, post_id: int = PostId):
    return _post_or_404(request, post_id)


@router.post("/targets/{target_id}/retry", response={200: TargetOut, **errors(403, 404, 409)})
def retry_target(request, target_id: int = TargetId):
    return target_retry(target=_target_or_404(request, target_id), actor=_manager(request))


@router.post("/targets/{target_id}/cancel", response={200: TargetOut, **errors(403, 404, 409)})
def cancel_target(request, target_id: int = TargetId):
    return target_cancel(target=_target_or_404(request, target_id), actor=_manager(request))


@router.post("/targets/{target_id}/reschedule", response={200: TargetOut, **errors(403, 404, 409)})
def reschedule_target(request, payload: RescheduleIn, target_id: int = TargetId):
    return target_reschedule(
        target=_target_or_404(request, target_id),
        actor=_manager(request),
        scheduled_at=payload.scheduled_at,
    )


@router.post("/targets/{target_id}/mark-posted", response={200: TargetOut, **errors(403, 404, 409)})
def mark_posted(request, payload: MarkPostedIn, target_id: int = TargetId):
    """A `manual` target was posted by hand; optionally give its permalink."""
    return target_mark_posted(
        target=_target_or_404(request, target_id),
        actor=_manager(request),
        permalink=payload.permalink,
    )


@router.post("/targets/{target_id}/settle", response={200: TargetOut, **errors(403, 404, 409)})
def settle_target(request, payload: SettleIn, target_id: int = TargetId):
    """An `unconfirmed` target: say whether it went out. `posted: true` records it as published
    without calling the platform; `posted: false` publishes it now."""
    return target_settle_unconfirmed(
        target=_target_or_404(request, target_id),
        actor=_manager(request),
        posted=payload.posted,
        permalink=payload.permalink,
    )


@router.post(
    "/posts/{post_id}/publish-without-article", response={200: PostOut, **errors(403, 404, 409)}
)
def publish_without_article(request, post_id: int = PostId):
    """The post's social targets that wait for its blog article (it failed, was cancelled, or
    is late) stop waiting: each goes at its own time, at once if that has passed, with
    `{article_url}` replaced by the article's link if it is live by then, else left out."""
    post = _post_or_404(request, post_id)
    post_release_article_wait(post=post, actor=_manager(request))
    return _post_or_404(request, post_id)


class RejectIn(Schema):
    comment: str = Field(..., max_length=5000)


def _decider(request) -> Actor:
    if request.auth.role not in DECIDERS:
        raise PermissionDenied(
            "This token cannot approve or reject; create one with "
            "`create_api_token SLUG --role reviewer`."
        )
    return _actor(request)


@router.post("/posts/{post_id}/approve", response={200: PostOut, **errors(403, 404, 409)})
def approve_post(request, post_id: int = PostId):
    post = _post_or_404(request, post_id)
    post_approve(
        post=post, actor=_decider(request), reason=f"approved version {post.version} via API"
    )
    return _post_or_404(request, post_id)


class VersionsIn(Schema):
    versions: dict[Annotated[str, Field(max_length=20)], VersionIn] = Field(..., max_length=50)


@router.post("/posts/{post_id}/versions", response={200: PostOut, **errors(404, 409)})
def set_versions(request, payload: VersionsIn, post_id: int = PostId):
    """Replace the post's per-network versions; a change is a new version of the post (an
    approved post goes back for approval where the account requires it)."""
    post = _post_or_404(request, post_id)
    post_versions_set(post=post, actor=_actor(request), versions=_versions(payload.versions))
    return _post_or_404(request, post_id)


def _versions(versions: dict[str, VersionIn]) -> dict[str, dict]:
    return {
        key: version.model_dump(exclude_none=True, exclude={"options"})
        | ({"options": version.options.model_dump(exclude_none=True)} if version.options else {})
        for key, version in versions.items()
    }


@router.post("/posts/{post_id}/reject", response={200: PostOut, **errors(403, 404, 409)})
def reject_post(request, payload: RejectIn, post_id: int = PostId):
    post = _post_or_404(request, post_id)
    try:
        post_reject(post=post, actor=_decider(request), comment=payload.comment)
    except ValueError as exc:
        raise ValidationError({"comment": [str(exc)]}) from exc
    return _post_or_404(request, post_id)


@router.post("/posts/{post_id}/duplicate", response={201: PostOut, **errors(403, 404)})
def duplicate_post(request, post_id: int = PostId):
    """A new draft with the same content, media and profiles (submit it to schedule it)."""
    if not role_may(request.auth.role, Can.COMPOSE):
        raise PermissionDenied("This token cannot compose posts.")
    copy = post_duplicate(post=_post_or_404(request, post_id), actor=_actor(request))
    return Status(201, _post_or_404(request, copy.pk))


@router.delete("/posts/{post_id}", response={204: None, **errors(403, 404, 409)})
def delete_post(request, post_id: int = PostId):
    """Delete a post none of whose targets may be live (409 says which one is); its waiting
    targets are cancelled first and their slots freed."""
    post = _post_or_404(request, post_id)
    post_delete(post=post, actor=_manager(request))
    return Status(204, None)


@router.post("/targets/{target_id}/restore", response={200: TargetOut, **errors(403, 404, 409)})
def restore_target(request, target_id: int = TargetId):
    """A cancelled target goes back to pending; it then takes the next free slot."""
    return target_restore(target=_target_or_404(request, target_id), actor=_manager(request))

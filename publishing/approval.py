"""Approval: reviewers, decisions, the comment thread, signed email links and digests.

A review link is a signed token naming one ReviewLink row, which binds the reviewer, the post and
the post version, and expires (default 7 days). GET shows the post; only POST acts, once. A used,
expired, tampered or superseded link changes nothing and says why.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, send_mail
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import ClientAccount, ExternalReviewer, Membership, Role, User
from publishing.lifecycle import post_assert_editable
from publishing.models import (
    AuditEntry,
    Post,
    PostComment,
    PostStatus,
    PostTarget,
    PostVersion,
    ReviewLink,
    TargetStatus,
)
from publishing.selectors import posts_for_account
from publishing.services import (
    Actor,
    InvalidTransition,
    options_problems,
    post_approve,
    post_problems,
    post_transition,
    target_transition,
)
from publishing.targets import target_slot_release
from publishing.versions import (
    effective_post_type,
    version_for,
    versions_as_dict,
    versions_clean,
    versions_display,
)
from socialdist.leases import row_claim

logger = logging.getLogger(__name__)
LINK_SALT = "socialdist.review-link"
DECIDERS = (Role.ADMIN, Role.REVIEWER)


@dataclass(frozen=True)
class Reviewer:
    email: str
    user: User | None = None

    @property
    def label(self) -> str:
        return self.email


def reviewers_for(account: ClientAccount) -> list[Reviewer]:
    """Designated reviewers: members with the reviewer role and external reviewer emails.

    With none designated, the account admins review, so no post waits on nobody.
    """
    members = Membership.objects.filter(account=account, user__is_active=True).select_related(
        "user"
    )
    reviewers = [Reviewer(m.user.email, m.user) for m in members if m.role == Role.REVIEWER]
    reviewers += [Reviewer(e.email) for e in ExternalReviewer.objects.filter(account=account)]
    if not reviewers:
        reviewers = [Reviewer(m.user.email, m.user) for m in members if m.role == Role.ADMIN]
    return reviewers


def can_decide(*, account: ClientAccount, user: User) -> bool:
    return Membership.objects.filter(account=account, user=user, role__in=DECIDERS).exists()


# Decisions --------------------------------------------------------------------------------------


def post_reject(*, post: Post, actor: Actor, comment: str, version: int | None = None) -> Post:
    """Back to draft with the reviewer's comment in the thread; the author is emailed."""
    comment = (comment or "").strip()
    if not comment:
        raise ValueError("comment: say what should change, so the author can fix it.")
    if post.status != PostStatus.AWAITING_APPROVAL:
        raise InvalidTransition(
            f"Only posts awaiting approval can be rejected; this is {post.status}."
        )
    with transaction.atomic():
        post_transition(
            post=post,
            to=PostStatus.DRAFT,
            actor=actor,
            reason=f"rejected version {post.version}: {comment}"[:500],
            version=version,
        )
        PostComment.objects.create(
            post=post,
            author=actor.user,
            author_label=actor.text[:254],
            body=comment,
            is_rejection=True,
            post_version=post.version,
        )
    _email_author_rejected(post, actor, comment)
    return post


def post_comment_add(*, post: Post, actor: Actor, body: str) -> PostComment:
    body = (body or "").strip()
    if not body:
        raise ValueError("body: write a comment first.")
    return PostComment.objects.create(
        post=post,
        author=actor.user,
        author_label=actor.text[:254],
        body=body[:5000],
        post_version=post.version,
    )


def post_edit(*, post: Post, actor: Actor, caption: str) -> Post:
    """Editing the creative makes a new version; an approved post goes back for approval.

    Refused (PostLocked) once any target may be live: the live post would keep the old caption."""
    post_assert_editable(post)
    if caption == post.caption:
        return post
    post_new_version(post, actor, "the edit", caption=caption)
    post.caption = caption
    return post


def post_versions_set(*, post: Post, actor: Actor, versions: dict) -> Post:
    """Replace the post's per-network versions (same shape as post_create's `versions`). A
    change to any version is a new version of the post: approval binds to what was reviewed.

    Raises ValidationError keyed `versions.<key>[.<field>]`, or PostLocked once any target may
    be live; nothing changes in either case.
    """
    post_assert_editable(post)
    targets = list(post.targets.select_related("profile"))
    profiles = [t.profile for t in targets]
    media = list(post.media.all())
    rows = versions_clean(versions=versions, profiles=profiles, media_count=len(media))
    if post.status != PostStatus.DRAFT:
        problems = post_problems(post=post, media=media, versions=rows, profiles=profiles)
        problems.update(options_problems(
            post=post, versions=rows, targets=[(t.profile, t.posting_mode) for t in targets]
        ))  # fmt: skip
        if problems:
            raise ValidationError(problems)
    before = versions_as_dict(post)
    with transaction.atomic():
        post.versions.all().delete()
        for row in rows:
            row.post = post
        PostVersion.objects.bulk_create(rows)
        if versions_as_dict(post) == before:
            return post
        for target in targets:
            post_type = effective_post_type(post, version_for(rows, target.profile))
            if target.post_type != post_type:
                PostTarget.objects.filter(pk=target.pk).update(post_type=post_type)
        post_new_version(post, actor, "the versions' edit")
    return post


def post_new_version(post: Post, actor: Actor, what: str, **changes) -> None:
    """Bump the version with `changes`; an approved post goes back for approval, handing back
    the slots the scheduler gave (a time a person chose is kept)."""
    new_version = post.version + 1
    with transaction.atomic():
        if post.status == PostStatus.APPROVED and post.account.approval_required:
            post_transition(
                post=post,
                to=PostStatus.AWAITING_APPROVAL,
                actor=actor,
                reason=f"edited after approval (version {new_version})",
                version=post.version,
                changed_by_key=actor.identity,
                **changes,
            )
            Post.objects.filter(pk=post.pk).update(version=new_version)
            for target in post.targets.filter(status=TargetStatus.SCHEDULED):
                had_slot = target_slot_release(target)
                target_transition(
                    target=target,
                    to=TargetStatus.PENDING,
                    actor=actor,
                    reason=f"waiting for approval of {what}",
                    scheduled_at=None if had_slot else target.scheduled_at,
                )
        else:
            Post.objects.filter(pk=post.pk).update(
                version=new_version,
                updated_at=timezone.now(),
                changed_by_key=actor.identity,
                **changes,
            )
    post.version, post.changed_by_key = new_version, actor.identity


def posts_approve_many(*, account: ClientAccount, actor: Actor, post_ids: list[int]) -> int:
    """Approve each of these posts still awaiting approval; returns how many were approved
    (one the actor may not approve, e.g. their own change, is skipped)."""
    approved = 0
    waiting = posts_for_account(account=account, status=PostStatus.AWAITING_APPROVAL)
    for post in waiting.filter(pk__in=post_ids):
        try:
            post_approve(post=post, actor=actor)
            approved += 1
        except InvalidTransition:
            continue
    return approved


def awaiting_since(post: Post):
    """When the post started waiting for approval (the latest transition into it)."""
    return awaiting_since_many(post_ids=[post.pk]).get(post.pk)


def awaiting_since_many(*, post_ids: list[int]) -> dict:
    """{post id: when it started waiting}, in one query for a whole page of posts."""
    return dict(
        AuditEntry.objects.filter(
            post_id__in=post_ids, target__isnull=True, to_status=PostStatus.AWAITING_APPROVAL
        )
        .values("post_id")
        .annotate(at=Max("created_at"))
        .values_list("post_id", "at")
    )


# Review links -----------------------------------------------------------------------------------


def review_link_create(*, post: Post, reviewer: Reviewer) -> tuple[ReviewLink, str]:
    link = ReviewLink.objects.create(
        post=post,
        post_version=post.version,
        reviewer=reviewer.user,
        reviewer_email=reviewer.email,
        expires_at=timezone.now() + timedelta(days=post.account.approval_link_days),
    )
    return link, signing.dumps({"l": link.pk}, salt=LINK_SALT)


def review_link_url(token: str) -> str:
    return settings.PUBLIC_BASE_URL + reverse("publishing:review", args=[token])


class LinkProblem(Exception):
    """The link cannot act; the message says why, for the page shown instead."""


def review_link_resolve(token: str) -> ReviewLink:
    try:
        data = signing.loads(token, salt=LINK_SALT)
    except signing.BadSignature:
        raise LinkProblem("This link is not valid: it was changed or cut short.") from None
    link = (
        ReviewLink.objects.select_related("post__account", "reviewer")
        .filter(pk=data.get("l"))
        .first()
    )
    if link is None:
        raise LinkProblem("This link is not valid any more.")
    if link.used_at:
        used_at = timezone.localtime(link.used_at, link.post.account.zone)
        raise LinkProblem(
            f"This link was already used to {link.used_for} the post on "
            f"{used_at:%d %b %Y at %H:%M %Z}."
        )
    if link.expires_at <= timezone.now():
        raise LinkProblem("This link has expired. A new one comes with the next digest.")
    post = link.post
    if post.version != link.post_version:
        raise LinkProblem("The post was edited after this link was sent; the new version "
                          "comes with the next digest.")  # fmt: skip
    if post.status != PostStatus.AWAITING_APPROVAL:
        raise LinkProblem(
            f"This post no longer needs a decision (it is {post.get_status_display().lower()})."
        )
    if not _still_reviewer(link):
        raise LinkProblem("You are no longer a reviewer of this account.")
    return link


def _still_reviewer(link: ReviewLink) -> bool:
    account = link.post.account
    return any(r.email == link.reviewer_email for r in reviewers_for(account))


def review_link_act(*, token: str, action: str, comment: str = "") -> ReviewLink:
    """POST from the link page: approve or reject once, for the version that was sent."""
    if action not in ("approve", "reject"):
        raise LinkProblem("Choose Approve or Reject.")
    with transaction.atomic():
        link = review_link_resolve(token)
        # Single use: the conditional update decides between two racing submissions.
        if not row_claim(
            ReviewLink.objects.filter(used_at__isnull=True),
            pk=link.pk,
            write={"used_at": timezone.now(), "used_for": action},
        ):
            raise LinkProblem("This link was already used.")
        actor = Actor(user=link.reviewer, label=f"{link.reviewer_email} via email link")
        post = link.post
        try:
            if action == "approve":
                post_approve(
                    post=post,
                    actor=actor,
                    reason=f"approved version {link.post_version} via email link",
                    version=link.post_version,
                )
            else:
                post_reject(post=post, actor=actor, comment=comment, version=link.post_version)
        except InvalidTransition as exc:  # e.g. four eyes; the rollback leaves the link unused
            raise LinkProblem(str(exc)) from None
    return link


# Digests ----------------------------------------------------------------------------------------


def digests_send(*, now=None, account_id: int | None = None) -> int:
    """Email each reviewer the posts awaiting them that they have no link for yet, per cadence.

    `account_id` limits the run to one account (the immediate digest after a submission)."""
    now = now or timezone.now()
    sent = 0
    accounts = ClientAccount.objects.filter(
        approval_required=True, posts__status=PostStatus.AWAITING_APPROVAL
    ).distinct()
    if account_id is not None:
        accounts = accounts.filter(pk=account_id)
    for account in accounts:
        waiting = list(
            Post.objects.filter(account=account, status=PostStatus.AWAITING_APPROVAL)
            .prefetch_related("media", "targets__profile")
            .order_by("created_at")
        )
        for reviewer in reviewers_for(account):
            if not _digest_due(account, reviewer, now):
                continue
            linked = set(
                ReviewLink.objects.filter(
                    reviewer_email=reviewer.email, post__in=waiting
                ).values_list("post_id", "post_version")
            )
            fresh = [p for p in waiting if (p.pk, p.version) not in linked]
            if fresh:
                sent += _send_digest(account, reviewer, fresh)
    return sent


def digest_send_immediate(account_id: int) -> int:
    """After a post starts waiting for approval (called once the transaction commits): an
    account with the "Immediately" cadence has its digest sent now, not on the next tick.

    Never raises: the submission has committed, and the periodic run sends what this missed."""
    try:
        if not ClientAccount.objects.filter(pk=account_id, approval_digest="immediate").exists():
            return 0
        return digests_send(account_id=account_id)
    except Exception:
        logger.exception("immediate digest for account %s failed; the next run retries", account_id)
        return 0


def _digest_due(account: ClientAccount, reviewer: Reviewer, now) -> bool:
    last = ReviewLink.objects.filter(
        reviewer_email=reviewer.email, post__account=account
    ).aggregate(at=Max("created_at"))["at"]
    if account.approval_digest == "immediate":
        return True
    if account.approval_digest == "hourly":
        return last is None or now - last >= timedelta(hours=1)
    local = now.astimezone(account.zone)
    if local.hour < account.approval_digest_hour:
        return False
    today_start = local.replace(
        hour=account.approval_digest_hour, minute=0, second=0, microsecond=0
    )
    return last is None or last < today_start


def _send_digest(account: ClientAccount, reviewer: Reviewer, posts: list[Post]) -> int:
    # The links only exist if the email went: a failed send is retried by the next run.
    with transaction.atomic(), timezone.override(account.zone):
        items = []
        for post in posts:
            _, token = review_link_create(post=post, reviewer=reviewer)
            items.append({"post": post, "url": review_link_url(token),
                          "media": list(post.media.all()), "targets": list(post.targets.all()),
                          "versions": versions_display(post)})  # fmt: skip
        context = {"account": account, "items": items, "reviewer": reviewer,
                   "days": account.approval_link_days}  # fmt: skip
        message = EmailMultiAlternatives(
            subject=f"{len(items)} post{'s' if len(items) != 1 else ''} to review for "
            f"{account.name}",
            body=render_to_string("publishing/email/digest.txt", context),
            to=[reviewer.email],
        )
        message.attach_alternative(
            render_to_string("publishing/email/digest.html", context), "text/html"
        )
        return message.send()


def _email_author_rejected(post: Post, actor: Actor, comment: str) -> None:
    author = post.created_by
    if author is None or author.email == actor.text:
        return
    url = settings.PUBLIC_BASE_URL + reverse("publishing:detail", args=[post.account.slug, post.pk])
    send_mail(
        subject=f"Changes requested on your post for {post.account.name}",
        message=(
            f"{actor.text} sent your post back to draft:\n\n{comment}\n\n"
            f"Reply in the thread, edit and submit it again here: {url}\n"
        ),
        from_email=None,
        recipient_list=[author.email],
    )

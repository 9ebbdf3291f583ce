"""Emails about targets: the manual-posting reminder."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Role
from channels.http import PlatformError
from channels.providers import get_provider
from publishing.models import PostingMode, PostStatus, PostTarget, TargetStatus
from publishing.requests import publish_request
from publishing.services import target_content
from publishing.versions import effective_options, target_version


def _recipients(target: PostTarget) -> list[str]:
    """The post's author if still a member, else the account's admins and marketers."""
    post = target.post
    members = Membership.objects.filter(account=post.account).select_related("user")
    if post.created_by_id and members.filter(user_id=post.created_by_id).exists():
        return [post.created_by.email]
    return [
        m.user.email
        for m in members.filter(role__in=[Role.ADMIN, Role.MARKETER], user__is_active=True)
    ]


def manual_target_notify(*, target: PostTarget) -> int:
    """At the due time: everything needed to post by hand, and the link to mark it posted."""
    recipients = _recipients(target)
    if not recipients:
        return 0
    post = target.post
    context = {
        "target": target,
        "post": post,
        "profile": target.profile,
        "media": list(post.media.all()),
        "post_url": settings.PUBLIC_BASE_URL
        + reverse("publishing:detail", args=[post.account.slug, post.pk]),
    }
    subject = f"Time to post on {target.profile.get_platform_display()}: {target.profile.name}"
    with timezone.override(post.account.zone):
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("publishing/email/manual_due.txt", context),
            to=recipients,
        )
        message.attach_alternative(
            render_to_string("publishing/email/manual_due.html", context), "text/html"
        )
    return message.send()


PRECHECK_WINDOWS = (
    ("precheck_24h_at", timedelta(hours=24)),
    ("precheck_1h_at", timedelta(hours=1)),
)


def targets_precheck() -> int:
    """24 h and 1 h before a post is due: is its channel connected and its content still valid?

    Each window checks a target once; the author is emailed only when something is wrong.
    """
    now = timezone.now()
    warned = 0
    for field, window in PRECHECK_WINDOWS:
        due = (
            PostTarget.objects.filter(
                status=TargetStatus.SCHEDULED,
                post__status=PostStatus.APPROVED,
                scheduled_at__gt=now,
                scheduled_at__lte=now + window,
                **{f"{field}__isnull": True},
            )
            .select_related("post__account", "post__created_by", "profile__connection")
            .prefetch_related("post__media")
        )
        for target in due:
            problems = _precheck_problems(target)
            PostTarget.objects.filter(pk=target.pk).update(**{field: now})
            if problems:
                warned += _email_problems(target, problems, window)
    return warned


def _precheck_problems(target: PostTarget) -> list[str]:
    connection = target.profile.connection
    problems = []
    if connection.health == "disconnected":
        problems.append(f"{connection} is disconnected: reconnect it or the post will wait.")
    elif connection.renewable_until and connection.renewable_until < target.scheduled_at:
        problems.append(
            f"{connection}'s access ends {_local(connection.renewable_until, target)}, before this "
            "post is due: reconnect it."
        )
    provider = get_provider(target.profile.platform)
    content = target_content(target)
    for problem in provider.validate(content):
        problems.append(problem.message)
    if target.posting_mode == PostingMode.MANUAL and not provider.supports_drafts:
        return problems  # a person posts it by hand: no options go to the platform
    problems += _option_problems(target, provider, content, live=not problems)
    return problems


def _option_problems(target: PostTarget, provider, content, *, live: bool) -> list[str]:
    """The options it would publish with, as when it was scheduled, then the provider's live
    look (e.g. that a chosen board still exists) where nothing else is wrong already."""
    mode = "drafts" if target.posting_mode == PostingMode.MANUAL else "automatic"
    options = effective_options(target.post, target.profile, target_version(target))
    found = [p.message for p in provider.validate_options(options, mode, target.profile.name)]
    if found or not live:
        return found
    try:
        return [p.message for p in provider.precheck(publish_request(target, content))]
    except PlatformError:
        return []  # the platform cannot tell now; the publish itself will say


def _local(value, target: PostTarget) -> str:
    """A time as the account reads it, its zone named (as the `e` date format does)."""
    return f"{timezone.localtime(value, target.post.account.zone):%d %b %H:%M %Z}"


def _email_problems(target: PostTarget, problems: list[str], window: timedelta) -> int:
    recipients = _recipients(target)
    if not recipients:
        return 0
    post = target.post
    hours = int(window.total_seconds() // 3600)
    url = settings.PUBLIC_BASE_URL + reverse("publishing:detail", args=[post.account.slug, post.pk])
    body = (
        f"This post is due on {target.profile} at {_local(target.scheduled_at, target)} "
        f"(in under {hours} h) and will not go out as it is:\n\n"
        + "\n".join(f"- {p}" for p in problems)
        + f"\n\nFix it here: {url}\n"
    )
    return send_mail(
        subject=f"Post due in {hours} h needs attention: {target.profile.name}",
        message=body,
        from_email=None,
        recipient_list=recipients,
    )

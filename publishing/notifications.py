"""Emails about targets: the manual-posting reminder."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import Membership, Role
from publishing.models import PostTarget


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
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("publishing/email/manual_due.txt", context),
        to=recipients,
    )
    message.attach_alternative(
        render_to_string("publishing/email/manual_due.html", context), "text/html"
    )
    return message.send()

"""Keeping connections alive: refresh ahead of expiry, warn before a person must reconnect,
disconnect what has expired (`check_tokens`, hourly)."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Role
from channels.http import AUTH, PlatformError
from channels.models import ChannelConnection, ConnectionStatus
from channels.providers import PROVIDERS
from channels.services import connection_disconnect, connection_refresh

logger = logging.getLogger("socialdist.tokens")

WARN_EMAIL_AHEAD = timedelta(days=3)


@dataclass
class TokenCheck:
    refreshed: int = 0
    refresh_failed: int = 0
    warned: int = 0
    expired: int = 0


def tokens_check() -> TokenCheck:
    now = timezone.now()
    result = TokenCheck()
    active = ChannelConnection.objects.filter(status=ConnectionStatus.ACTIVE)

    # Each platform's own margin (a 24 h token is renewed at ~21 h by this hourly job).
    due = Q(pk__in=[])
    for slug, cls in PROVIDERS.items():
        if cls.has_refresh:
            due |= Q(platform=slug, token_expires_at__lte=now + cls.refresh_margin)
    for connection in active.exclude(refresh_token="").filter(due):
        try:
            if connection_refresh(connection=connection):
                result.refreshed += 1
        except PlatformError as exc:
            result.refresh_failed += 1
            if exc.kind == AUTH:  # the grant is gone; a network blip is not a revoked token
                connection_disconnect(
                    connection=connection, reason=f"Refresh refused ({exc.code}): {exc.message}"
                )
            else:
                ChannelConnection.objects.filter(pk=connection.pk).update(
                    last_refresh_error=f"{exc.code}: {exc.message}"[:300]
                )
                logger.warning("refresh of connection %s failed: %s", connection.pk, exc.code)

    # A lapsed access token with a refresh token that still works is not a lost channel: a
    # 2-hour token easily outlives a short outage of the token endpoint. The next refresh (or
    # the dispatcher's, on a 401) renews it; a refused refresh disconnects it above.
    refreshable = [slug for slug, cls in PROVIDERS.items() if cls.has_refresh]
    renewable = Q(platform__in=refreshable) & ~Q(refresh_token="")
    for connection in active.filter(token_expires_at__lte=now).exclude(renewable):
        if connection_disconnect(connection=connection, reason="The access token expired."):
            result.expired += 1

    unrenewable = Q(refresh_token="", token_expires_at__lte=now + WARN_EMAIL_AHEAD) | Q(
        refresh_expires_at__lte=now + WARN_EMAIL_AHEAD
    )
    for connection in active.filter(unrenewable, expiry_warned_at__isnull=True).select_related(
        "account"
    ):
        _email_expiry(connection)
        ChannelConnection.objects.filter(pk=connection.pk).update(expiry_warned_at=now)
        result.warned += 1
    return result


def _email_expiry(connection: ChannelConnection) -> None:
    account = connection.account
    owners = list(
        Membership.objects.filter(
            account=account, role=Role.ADMIN, user__is_active=True
        ).values_list("user__email", flat=True)
    )
    if not owners:
        return
    context = {
        "connection": connection,
        "account": account,
        "until": connection.renewable_until,
        "channels_url": settings.PUBLIC_BASE_URL + reverse("channels:list", args=[account.slug]),
    }
    with timezone.override(account.zone):
        until = timezone.localtime(connection.renewable_until)
        message = render_to_string("channels/email/expiring.txt", context)
    send_mail(
        subject=f"Reconnect {connection} before {until:%d %b}",
        message=message,
        from_email=None,
        recipient_list=owners,
    )

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import ClientAccount, User
from channels.http import PlatformError, rewrite_url
from channels.models import ChannelConnection, ConnectionStatus, OAuthState, Profile
from channels.providers import get_provider
from channels.signals import connection_activated

STATE_TTL = timedelta(minutes=10)


class ChannelError(Exception):
    """A connect step failed in a way the user can act on; the message says how."""


def redirect_uri_for(platform: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/channels/callback/{platform}/"


def oauth_start(*, account: ClientAccount, platform: str, user: User | None = None) -> str:
    """Store a single-use state server-side and return the platform's authorize URL."""
    provider = get_provider(platform)
    if not account.publishing_enabled:
        raise ChannelError(
            "The publishing module is off for this account; an account admin can switch it on."
        )
    if not provider.client_id or not provider.client_secret:
        raise ChannelError(
            f"{provider.name} is not configured on this server: set "
            f"{platform.upper()}_CLIENT_ID and {platform.upper()}_CLIENT_SECRET."
        )
    state = OAuthState.objects.create(
        state=secrets.token_urlsafe(32),
        account=account,
        platform=platform,
        code_verifier=secrets.token_urlsafe(64) if provider.uses_pkce else "",
        redirect_uri=redirect_uri_for(platform),
        started_by=user if user and user.is_authenticated else None,
        expires_at=timezone.now() + STATE_TTL,
    )
    url = provider.authorize_url(
        state=state.state, code_verifier=state.code_verifier, redirect_uri=state.redirect_uri
    )
    return rewrite_url(url)


def _consume_state(*, platform: str, state: str) -> OAuthState:
    now = timezone.now()
    # A conditional UPDATE makes the state single-use even with two callbacks racing.
    consumed = OAuthState.objects.filter(
        state=state, platform=platform, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if not consumed:
        raise ChannelError("This connect link has expired or was already used; start again.")
    return OAuthState.objects.select_related("account").get(state=state)


def oauth_complete(
    *, platform: str, state: str, code: str, error: str = "", user: User | None = None
) -> tuple[ChannelConnection, list[Profile]]:
    """Finish a connection from the stored state alone; return it with its profiles."""
    if not state:
        raise ChannelError("The platform sent no state; start connecting again.")
    stored = _consume_state(platform=platform, state=state)
    if stored.started_by_id and (user is None or user.pk != stored.started_by_id):
        raise ChannelError("This connection was started by another user; start again yourself.")
    provider = get_provider(platform)
    if error:
        raise ChannelError(f"{provider.name} did not grant access ({error}); nothing was changed.")
    if not code:
        raise ChannelError(f"{provider.name} sent no authorization code; start again.")
    try:
        result = provider.exchange_code(
            code=code, code_verifier=stored.code_verifier, redirect_uri=stored.redirect_uri
        )
        found = provider.list_profiles(access_token=result.access_token)
    except PlatformError as exc:
        raise ChannelError(f"{provider.name} refused the connection: {exc.message}") from exc

    with transaction.atomic():
        connection, _ = ChannelConnection.objects.update_or_create(
            account=stored.account,
            platform=platform,
            external_user_id=result.external_user_id,
            defaults={
                "display_name": result.display_name,
                "status": ConnectionStatus.ACTIVE,
                "access_token": result.access_token,
                "token_expires_at": result.expires_at,
                "scopes": result.scopes,
                "disconnected_reason": "",
                "connected_by": stored.started_by,
            },
        )
        if result.refresh_token:  # never overwrite a stored refresh token with an empty one
            connection.refresh_token = result.refresh_token
            connection.save(update_fields=["refresh_token"])
        profiles = [
            Profile.objects.update_or_create(
                account=stored.account,
                platform=platform,
                external_id=info.external_id,
                defaults={
                    "connection": connection,
                    "name": info.name[:200],
                    "username": info.username[:200],
                    "picture_url": info.picture_url[:1000],
                    "extra": info.extra,
                },
            )[0]
            for info in found
        ]
        transaction.on_commit(
            lambda: connection_activated.send(sender=ChannelConnection, connection=connection)
        )
    return connection, profiles


def connection_disconnect(*, connection: ChannelConnection, reason: str) -> ChannelConnection:
    connection.status = ConnectionStatus.DISCONNECTED
    connection.disconnected_reason = reason[:300]
    connection.save(update_fields=["status", "disconnected_reason", "updated_at"])
    return connection


def oauth_states_prune() -> int:
    """Expired states are useless; keep the table small."""
    deleted, _ = OAuthState.objects.filter(expires_at__lt=timezone.now() - STATE_TTL).delete()
    return deleted

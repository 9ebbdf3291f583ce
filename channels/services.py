import base64
import hashlib
import hmac
import json
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import ClientAccount, Membership, Role, User
from accounts.permissions import Can, role_may
from channels.http import PlatformError, rewrite_url
from channels.models import ChannelConnection, ConnectionStatus, OAuthState, Profile
from channels.providers import PROVIDERS, get_provider
from channels.providers.base import OAuthResult
from channels.providers.tiktok import PRIVACY_LEVELS
from channels.signals import connection_activated, connection_deactivated
from socialdist.validators import text_problem

STATE_TTL = timedelta(minutes=10)
CHANNEL_MANAGERS = tuple(r for r in Role if role_may(r, Can.MANAGE_CHANNELS))


class ChannelError(Exception):
    """A connect step failed in a way the user can act on; the message says how."""


def can_manage_channels(*, user: User, account: ClientAccount) -> bool:
    """Admins and marketers connect and disconnect channels; reviewers only read."""
    return Membership.objects.filter(user=user, account=account, role__in=CHANNEL_MANAGERS).exists()


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
    provider = get_provider(platform)
    if stored.started_by_id and (user is None or user.pk != stored.started_by_id):
        raise ChannelError("This connection was started by another user; start again yourself.")
    if user is not None and not can_manage_channels(user=user, account=stored.account):
        # A link started through the API must not land a channel in an account the signed-in
        # person cannot manage (or, for another tenant's link, does not even belong to).
        raise ChannelError(
            f"You are signed in as {user.email}, who cannot connect {provider.name} to "
            f"{stored.account.name}; nothing was changed. Ask an admin or marketer of that "
            "account to open the link, or open it signed out."
        )
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
        connection = _connection_store(
            account=stored.account, platform=platform, result=result, found=found,
            connected_by=stored.started_by,
        )  # fmt: skip
        if provider.grant_family:
            _restore_grant_siblings(connection=connection, family=provider.grant_family)
    return connection, list(connection.profiles.all())


def _connection_store(*, account, platform, result, found, connected_by) -> ChannelConnection:
    connection, _ = ChannelConnection.objects.update_or_create(
        account=account,
        platform=platform,
        external_user_id=result.external_user_id,
        defaults={
            "display_name": result.display_name,
            "status": ConnectionStatus.ACTIVE,
            "access_token": result.access_token,
            "token_expires_at": result.expires_at,
            "refresh_expires_at": result.refresh_expires_at,
            "scopes": result.scopes,
            "disconnected_reason": "",
            "expiry_warned_at": None,
            "last_refresh_error": "",
            **({"connected_by": connected_by} if connected_by else {}),
        },
    )
    if result.refresh_token:  # never overwrite a stored refresh token with an empty one
        connection.refresh_token = result.refresh_token
        connection.save(update_fields=["refresh_token"])
    # New profiles of platforms with a drafts inbox start in manual mode (TikTok's default).
    posting_mode = "manual" if get_provider(platform).supports_drafts else "automatic"
    for info in found:
        profile, created = Profile.objects.update_or_create(
            account=account,
            platform=platform,
            external_id=info.external_id,
            defaults={
                "connection": connection,
                "name": info.name[:200],
                "username": info.username[:200],
                "picture_url": info.picture_url[:1000],
                "access_token": info.access_token,
            },
            create_defaults={
                "posting_mode": posting_mode,
                "extra": info.extra,
                "connection": connection,
                "name": info.name[:200],
                "username": info.username[:200],
                "picture_url": info.picture_url[:1000],
                "access_token": info.access_token,
            },
        )
        if not created and info.extra:  # keep the user's own choices stored in extra
            profile.extra = {**profile.extra, **info.extra}
            profile.save(update_fields=["extra"])
    # Same transaction: held posts are released together with the reconnect, or not at all.
    connection_activated.send(sender=ChannelConnection, connection=connection)
    return connection


def _restore_grant_siblings(*, connection: ChannelConnection, family: str) -> None:
    """One Meta grant covers Instagram and Facebook: reconnecting one restores the other."""
    siblings = ChannelConnection.objects.filter(
        account=connection.account,
        external_user_id=connection.external_user_id,
        platform__in=_family_platforms(family),
        status=ConnectionStatus.DISCONNECTED,
    ).exclude(pk=connection.pk)
    for sibling in siblings:
        provider = get_provider(sibling.platform)
        try:
            found = provider.list_profiles(access_token=connection.access_token)
        except PlatformError:
            continue  # the sibling stays disconnected; reconnecting it directly still works
        result = OAuthResult(
            external_user_id=sibling.external_user_id,
            display_name=connection.display_name,
            access_token=connection.access_token,
            expires_at=connection.token_expires_at,
            scopes=connection.scopes,
        )
        _connection_store(
            account=sibling.account, platform=sibling.platform, result=result, found=found,
            connected_by=None,
        )  # fmt: skip


def _family_platforms(family: str) -> list[str]:
    return [slug for slug, cls in PROVIDERS.items() if cls.grant_family == family]


def connection_disconnect(*, connection: ChannelConnection, reason: str) -> list[ChannelConnection]:
    """Disconnect a channel, and every channel riding on the same grant (Meta's IG + Pages).

    Returns the connections that were active and are now disconnected; their posts are held.
    """
    family = get_provider(connection.platform).grant_family
    connections = ChannelConnection.objects.filter(pk=connection.pk)
    if family:
        # Only this account's siblings: another tenant connected through the same Facebook user
        # keeps its own connection, status and reason (which may name this tenant's people).
        connections = ChannelConnection.objects.filter(
            account_id=connection.account_id,
            external_user_id=connection.external_user_id,
            platform__in=_family_platforms(family),
        )
    with transaction.atomic():
        changed = list(connections.filter(status=ConnectionStatus.ACTIVE))
        for conn in changed:
            conn.status = ConnectionStatus.DISCONNECTED
            conn.disconnected_reason = reason[:300]
            conn.save(update_fields=["status", "disconnected_reason", "updated_at"])
            connection_deactivated.send(sender=ChannelConnection, connection=conn)
    connection.refresh_from_db()
    return changed


@transaction.atomic
def profile_tiktok_settings_save(
    *,
    profile: Profile,
    privacy_level: str,
    allow_comment: bool,
    allow_duet: bool,
    allow_stitch: bool,
) -> Profile:
    """The creator's own defaults for Direct Posts on this TikTok profile (a post's options win).

    An empty privacy_level clears the default: each post then has to choose one. Raises
    ValidationError naming the field.
    """
    if profile.platform != "tiktok":
        raise ValidationError({"profile": [f"{profile} is not a TikTok profile."]})
    if privacy_level and privacy_level not in PRIVACY_LEVELS:
        raise ValidationError(
            {
                "privacy_level": [
                    f"Privacy level must be one of {', '.join(PRIVACY_LEVELS)}, or empty to "
                    "choose it per post."
                ]
            }
        )
    # Locked and re-read: a reconnect may be merging its own keys into extra meanwhile.
    locked = Profile.objects.select_for_update().get(pk=profile.pk)
    extra = {k: v for k, v in locked.extra.items() if k != "privacy_level"}
    if privacy_level:
        extra["privacy_level"] = privacy_level
    extra.update(
        disable_comment=not allow_comment,
        disable_duet=not allow_duet,
        disable_stitch=not allow_stitch,
    )
    locked.extra = extra
    locked.save(update_fields=["extra"])
    profile.extra = extra
    return profile


def connection_refresh(*, connection: ChannelConnection) -> bool:
    """Renew the access token ahead of expiry. False where the platform has no refresh.

    Raises PlatformError: kind `auth` means the grant is gone; anything else (a network blip, a
    5xx) leaves the connection as it is to try again later.
    """
    provider = get_provider(connection.platform)
    if not connection.refresh_token:
        return False
    result = provider.refresh(
        refresh_token=connection.refresh_token, access_token=connection.access_token
    )
    if result is None:
        return False
    connection.access_token = result.access_token
    connection.token_expires_at = result.expires_at
    fields = ["access_token", "token_expires_at", "last_refresh_error", "updated_at"]
    if result.refresh_token:  # rotated: the old one is now dead, so store the new one
        connection.refresh_token = result.refresh_token
        fields.append("refresh_token")
    if result.refresh_expires_at:
        connection.refresh_expires_at = result.refresh_expires_at
        fields.append("refresh_expires_at")
    connection.last_refresh_error = ""
    connection.save(update_fields=fields)
    return True


def meta_deauthorize(*, signed_request: str) -> list[ChannelConnection]:
    """Meta's deauthorize callback: verify the signed_request, disconnect that user's channels."""
    user_id = _verify_signed_request(signed_request)
    # Meta revoked this user's grant everywhere, so every account's connection of it is gone;
    # each account is still disconnected on its own, through its own connection.
    first_per_account: dict[int, ChannelConnection] = {}
    for connection in ChannelConnection.objects.filter(
        external_user_id=user_id, platform__in=_family_platforms("meta")
    ).order_by("pk"):
        first_per_account.setdefault(connection.account_id, connection)
    changed: list[ChannelConnection] = []
    for connection in first_per_account.values():
        changed += connection_disconnect(
            connection=connection, reason="The user removed the app on Facebook (deauthorized)."
        )
    return changed


def _verify_signed_request(signed_request: str) -> str:
    try:
        encoded_sig, payload = signed_request.split(".", 1)
        signature = _b64decode(encoded_sig)
        data = json.loads(_b64decode(payload))
    except (ValueError, TypeError, RecursionError) as exc:
        raise ChannelError("signed_request is malformed.") from exc
    if not isinstance(data, dict):
        raise ChannelError("signed_request is malformed: its payload must be a JSON object.")
    algorithm = data.get("algorithm")
    if not isinstance(algorithm, str) or algorithm.upper() != "HMAC-SHA256":
        raise ChannelError("signed_request uses an unknown algorithm.")
    secrets_ = {
        settings.PLATFORM_CREDENTIALS[p]["client_secret"] for p in _family_platforms("meta")
    } - {""}
    for secret in secrets_:
        expected = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
        if hmac.compare_digest(expected, signature):
            return _signed_user_id(data)
    raise ChannelError("signed_request signature does not match the app secret.")


def _signed_user_id(data: dict) -> str:
    user_id = data.get("user_id")
    # A correctly signed payload is still input: it must name a user id we can look up.
    if isinstance(user_id, bool) or not isinstance(user_id, str | int):
        raise ChannelError("signed_request has no user_id.")
    user_id = str(user_id)
    if not user_id or len(user_id) > 100 or text_problem(user_id):
        raise ChannelError("signed_request has an invalid user_id.")
    return user_id


def _b64decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def oauth_states_prune() -> int:
    """Expired states are useless; keep the table small."""
    deleted, _ = OAuthState.objects.filter(expires_at__lt=timezone.now() - STATE_TTL).delete()
    return deleted

import json
import secrets
from dataclasses import replace
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import ClientAccount, Membership, Role, User
from accounts.permissions import Can, role_may
from channels.http import PlatformError, rewrite_url
from channels.models import ChannelConnection, ConnectionStatus, OAuthState, Profile
from channels.providers import PROVIDERS, get_provider, grant_family_members
from channels.providers.base import OAuthResult, Provider
from channels.signals import connection_activated, connection_deactivated
from socialdist.addresses import url_host_problem
from socialdist.validators import text_problem

STATE_TTL = timedelta(minutes=10)
SANDBOX_SUFFIX = " (Sandbox)"
CHANNEL_MANAGERS = tuple(r for r in Role if role_may(r, Can.MANAGE_CHANNELS))


class ChannelError(Exception):
    """A connect step failed in a way the user can act on; the message says how."""


def can_manage_channels(*, user: User, account: ClientAccount) -> bool:
    """Admins and marketers connect and disconnect channels; reviewers only read."""
    return Membership.objects.filter(user=user, account=account, role__in=CHANNEL_MANAGERS).exists()


def sandbox_name(name: str) -> str:
    """A sandbox profile's name says so wherever it is shown (composer, calendar, queue, …)."""
    return name if name.endswith(SANDBOX_SUFFIX) else f"{name[:190]}{SANDBOX_SUFFIX}"


def redirect_uri_for(platform: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/channels/callback/{platform}/"


def oauth_start(*, account: ClientAccount, platform: str, user: User | None = None) -> str:
    """Store a single-use state server-side and return the platform's authorize URL."""
    provider = get_provider(platform)
    _require_publishing(account)
    if provider.auth != "oauth2":
        raise ChannelError(f"{provider.name} connects with credentials, not a sign-in link.")
    if not provider.configured:
        client_id, client_secret = provider.credential_env()
        raise ChannelError(
            f"{provider.name} is not configured on this server: set {client_id} and "
            f"{client_secret}."
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


def _require_publishing(account: ClientAccount) -> None:
    if not account.publishing_enabled:
        raise ChannelError(
            "The publishing module is off for this account; an account admin can switch it on."
        )


def credentials_connect(
    *, account: ClientAccount, platform: str, values: dict[str, str], user: User | None = None
) -> tuple[ChannelConnection, list[Profile]]:
    """Connect a credentials platform (a blog): check the declared fields, prove them with one
    real call (`verify`), store them encrypted and list the profiles they reach.

    Raises ValidationError naming the field, or ChannelError with the platform's own reason;
    nothing is stored unless the platform accepted them.
    """
    provider = get_provider(platform)
    _require_publishing(account)
    if provider.auth != "credentials":
        raise ChannelError(f"{provider.name} connects by signing in there, not with credentials.")
    cleaned = connect_fields_clean(provider=provider, values=values)
    try:
        verified = provider.verify(cleaned)
    except PlatformError as exc:
        raise ChannelError(f"{provider.name} did not accept these details: {exc.message}") from exc
    result = OAuthResult(
        external_user_id=verified.external_user_id[:100],
        display_name=verified.display_name,
        access_token="",
    )
    with transaction.atomic():
        connection = _connection_store(
            account=account, platform=platform, result=result, found=verified.profiles,
            connected_by=user if user and user.is_authenticated else None,
            credentials=cleaned,
        )  # fmt: skip
    return connection, list(connection.profiles.all())


def connect_fields_clean(*, provider: Provider, values: dict) -> dict[str, str]:
    """The provider's declared connect fields, each checked; ValidationError names the field."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    for spec in provider.connect_fields:
        raw = values.get(spec.name)
        value = raw.strip() if isinstance(raw, str) else ""
        if raw is not None and not isinstance(raw, str):
            errors[spec.name] = [f"{spec.label} must be text."]
        elif not value and spec.required:
            errors[spec.name] = [f"Enter the {spec.label.lower()} from {provider.name}."]
        elif len(value) > spec.max_length:
            errors[spec.name] = [f"{spec.label} is longer than {spec.max_length} characters."]
        elif problem := text_problem(value):
            errors[spec.name] = [f"{spec.label} {problem}"]
        elif value and spec.kind == "url" and not _http_url(value):
            errors[spec.name] = [f"{spec.label} must start with https:// (or http://)."]
        elif value and spec.kind == "url" and (problem := connect_url_problem(value)):
            errors[spec.name] = [f"{spec.label} {problem}."]
        else:
            cleaned[spec.name] = value
    unknown = sorted(set(values) - {spec.name for spec in provider.connect_fields})
    if unknown:
        names = ", ".join(spec.name for spec in provider.connect_fields)
        errors[unknown[0]] = [f"{provider.name} takes only {names}."]
    if errors:
        raise ValidationError(errors)
    return cleaned


def connect_private_allowed() -> bool:
    """Local sites (loopback/private addresses, plain http) may be connected: DEBUG or
    CONNECT_ALLOW_PRIVATE. Production refuses them, so a typed URL cannot reach our network."""
    return settings.DEBUG or settings.CONNECT_ALLOW_PRIVATE


def connect_url_problem(url: str) -> str | None:
    """Why a connect field's URL may not be used (the webhook SSRF rules), or None."""
    return url_host_problem(url, allow_private=connect_private_allowed())


def _http_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


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


def _connection_store(
    *, account, platform, result, found, connected_by, credentials: dict | None = None
) -> ChannelConnection:
    connection, _ = ChannelConnection.objects.update_or_create(
        account=account,
        platform=platform,
        external_user_id=result.external_user_id,
        defaults={
            "display_name": result.display_name,
            "status": ConnectionStatus.ACTIVE,
            "access_token": result.access_token,
            "token_expires_at": result.expires_at,
            "scopes": result.scopes,
            "disconnected_reason": "",
            "expiry_warned_at": None,
            "last_refresh_error": "",
            **({"connected_by": connected_by} if connected_by else {}),
            **({"credentials": json.dumps(credentials)} if credentials is not None else {}),
        },
    )
    # Never overwrite a stored refresh token (or its end date) with an empty answer: some
    # platforms leave the refresh token out of a reconnect and keep the one they issued.
    if result.refresh_token:
        connection.refresh_token = result.refresh_token
        connection.refresh_expires_at = result.refresh_expires_at
        connection.save(update_fields=["refresh_token", "refresh_expires_at"])
    posting_mode = get_provider(platform).default_posting_mode
    # Sandbox mode pointed this platform at a local fake: mark its profiles so every page can
    # say so (the name, which every page shows, and extra["sandbox"] for badges and commands).
    # Fakes' pictures are on made-up hosts: sandbox profiles show their initial instead.
    sandbox = platform in settings.SOCIALDIST_SANDBOX_PLATFORMS
    for info in found:
        if sandbox:
            info = replace(
                info, name=sandbox_name(info.name), extra={**info.extra, "sandbox": True},
                picture_url="",
            )  # fmt: skip
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
    """One grant covers every platform of its family: reconnecting one restores the others."""
    siblings = ChannelConnection.objects.filter(
        account=connection.account,
        external_user_id=connection.external_user_id,
        platform__in=grant_family_members(family),
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


def connection_disconnect(*, connection: ChannelConnection, reason: str) -> list[ChannelConnection]:
    """Disconnect a channel, and every channel riding on the same grant (Meta's IG + Pages).

    Returns the connections that were active and are now disconnected; their posts are held.
    """
    family = get_provider(connection.platform).grant_family
    connections = ChannelConnection.objects.filter(pk=connection.pk)
    if family:
        # Only this account's siblings: another tenant connected through the same platform user
        # keeps its own connection, status and reason (which may name this tenant's people).
        connections = ChannelConnection.objects.filter(
            account_id=connection.account_id,
            external_user_id=connection.external_user_id,
            platform__in=grant_family_members(family),
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
def profile_options_save(*, profile: Profile, values: dict) -> Profile:
    """A profile's own defaults for the options its platform declares with `profile_default`
    (e.g. a privacy level and interaction switches); a post's own options win over them.

    `values` maps option keys to stored values; an empty choice clears that default, so each
    post has to choose. Raises ValidationError naming the option.
    """
    provider = get_provider(profile.platform)
    specs = {spec.key: spec for spec in provider.options if spec.profile_default}
    if not specs:
        raise ValidationError({"profile": [f"{profile} has no posting defaults to set."]})
    errors: dict[str, list[str]] = {}
    for key, value in values.items():
        spec = specs.get(key)
        if spec is None:
            errors[key] = [f"{provider.name} profiles have no default for {key}."]
        elif spec.kind == "choice" and value and value not in dict(spec.choices):
            allowed = ", ".join(dict(spec.choices))
            label = spec.default_label or spec.label
            errors[key] = [f"{label} must be one of {allowed}, or empty to choose per post."]
        elif spec.kind == "bool" and not isinstance(value, bool):
            errors[key] = [f"{spec.default_label or spec.label} must be true or false."]
    if errors:
        raise ValidationError(errors)
    # Locked and re-read: a reconnect may be merging its own keys into extra meanwhile.
    locked = Profile.objects.select_for_update().get(pk=profile.pk)
    extra = {k: v for k, v in locked.extra.items() if k not in values}
    extra.update({k: v for k, v in values.items() if v != ""})
    locked.extra = extra
    locked.save(update_fields=["extra"])
    profile.extra = extra
    return profile


def connection_profiles_refresh(*, connection: ChannelConnection) -> list[Profile]:
    """Read the connection's profiles again from the platform: names, pictures and what the
    provider lists in Profile.extra (e.g. an account's boards). A person's own choices
    in extra are kept; profiles no longer listed stay as they are (reconnect to re-grant).

    Raises PlatformError when the platform cannot answer.
    """
    found = get_provider(connection.platform).list_profiles(access_token=connection.access_token)
    refreshed = []
    with transaction.atomic():
        for info in found:
            profile = (
                Profile.objects.select_for_update()
                .filter(connection=connection, external_id=info.external_id)
                .first()
            )
            if profile is None:
                continue
            profile.name = info.name[:200] or profile.name
            profile.username = info.username[:200]
            profile.picture_url = info.picture_url[:1000]
            profile.extra = {**profile.extra, **info.extra}
            profile.save(update_fields=["name", "username", "picture_url", "extra"])
            refreshed.append(profile)
    return refreshed


def connection_refresh(*, connection: ChannelConnection) -> bool:
    """Renew the access token ahead of expiry. False where the platform has no refresh.

    Raises PlatformError: kind `auth` means the grant is gone; anything else (a network blip, a
    5xx) leaves the connection as it is to try again later.

    Some platforms rotate the refresh token and accept each one once. So one refresh runs at a
    time per connection (the row is locked), a worker holding an outdated copy takes the token
    another one already renewed instead of spending a dead refresh token, and the new refresh
    and access tokens are stored in one write before anything uses the new access token.
    """
    provider = get_provider(connection.platform)
    if not connection.refresh_token:
        return False
    with transaction.atomic():
        locked = ChannelConnection.objects.select_for_update().get(pk=connection.pk)
        if locked.refresh_token != connection.refresh_token:  # renewed meanwhile by another
            for name in ("access_token", "refresh_token", "token_expires_at", "refresh_expires_at"):
                setattr(connection, name, getattr(locked, name))
            return True
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
        connection.save(update_fields=fields)  # one UPDATE: both tokens, or neither
    return True


def deauthorize(*, platform: str, data: dict[str, str]) -> list[ChannelConnection]:
    """A platform's deauthorize callback (`/channels/<platform>/deauthorize/`, where platform may
    also be a grant family such as `meta`): the provider verifies it and names the users whose
    grant is gone; each account's connection of them is disconnected on its own."""
    provider = _deauthorizing_provider(platform)
    try:
        user_ids = provider.deauthorize(data)
    except ValueError as exc:
        raise ChannelError(str(exc)) from exc
    platforms = grant_family_members(provider.grant_family) or [provider.slug]
    first_per_account: dict[int, ChannelConnection] = {}
    for connection in ChannelConnection.objects.filter(
        external_user_id__in=user_ids, platform__in=platforms
    ).order_by("pk"):
        first_per_account.setdefault(connection.account_id, connection)
    changed: list[ChannelConnection] = []
    for connection in first_per_account.values():
        changed += connection_disconnect(
            connection=connection,
            reason=f"The user removed the app on {provider.name} (deauthorized).",
        )
    return changed


def _deauthorizing_provider(platform: str) -> Provider:
    slugs = [platform] if platform in PROVIDERS else grant_family_members(platform)
    for slug in slugs:
        provider = get_provider(slug)
        if type(provider).deauthorize is not Provider.deauthorize:
            return provider
    raise LookupError(f"{platform} has no deauthorize callback.")


def oauth_states_prune() -> int:
    """Expired states are useless; keep the table small."""
    deleted, _ = OAuthState.objects.filter(expires_at__lt=timezone.now() - STATE_TTL).delete()
    return deleted

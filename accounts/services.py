import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import ApiToken, ClientAccount, Membership, Organisation, Role, User

TOKEN_PREFIX = "sd_"


class PermissionDenied(Exception):
    """The user is a member but their role does not allow the action."""


def _unique_slug(model, name: str) -> str:
    base = slugify(name)[:60] or "account"
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def user_get_or_create(*, email: str, password: str | None = None) -> tuple[User, bool]:
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user:
        return user, False
    return User.objects.create_user(email=email, password=password), True


@transaction.atomic
def account_create(
    *, name: str, owner: User, organisation: Organisation | None = None, timezone_name: str = "UTC"
) -> ClientAccount:
    """Create a client account (and its organisation if none is given) owned by `owner` as admin."""
    name = name.strip()
    if not name:
        raise ValueError("name: give the account a name.")
    if organisation is None:
        organisation = Organisation.objects.create(name=name, slug=_unique_slug(Organisation, name))
    account = ClientAccount(
        organisation=organisation,
        name=name,
        slug=_unique_slug(ClientAccount, name),
        timezone=timezone_name,
    )
    account.full_clean()
    account.save()
    Membership.objects.create(user=owner, account=account, role=Role.ADMIN)
    return account


def membership_add(*, account: ClientAccount, user: User, role: str) -> Membership:
    if role not in Role.values:
        raise ValueError(f"role: must be one of {', '.join(Role.values)}.")
    membership, _ = Membership.objects.update_or_create(
        account=account, user=user, defaults={"role": role}
    )
    return membership


def account_set_publishing(*, account: ClientAccount, user: User, enabled: bool) -> ClientAccount:
    """Only an account admin may switch the social publishing module on or off."""
    if not Membership.objects.filter(account=account, user=user, role=Role.ADMIN).exists():
        raise PermissionDenied("Only account admins can switch the publishing module.")
    account.publishing_enabled = enabled
    account.save(update_fields=["publishing_enabled"])
    return account


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_create(
    *, account: ClientAccount, name: str = "api", role: str = Role.MARKETER
) -> tuple[ApiToken, str]:
    """Returns the row and the raw token; the raw token is shown once and never stored."""
    if role not in Role.values:
        raise ValueError(f"role: must be one of {', '.join(Role.values)}.")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        account=account, name=name, role=role, prefix=raw[:10], token_hash=_hash(raw)
    )
    return token, raw


def api_token_authenticate(*, raw: str) -> ApiToken | None:
    token = (
        ApiToken.objects.select_related("account")
        .filter(token_hash=_hash(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Write last_used_at at most once a minute: the API hot path should not write every request.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token

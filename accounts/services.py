import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import (
    ApiToken,
    ClientAccount,
    ExternalReviewer,
    Membership,
    Organisation,
    Role,
    User,
)
from accounts.selectors import timezone_canonical
from socialdist.validators import parse_ids

TOKEN_PREFIX = "sd_"


class PermissionDenied(Exception):
    """The user is a member but their role does not allow the action."""


def timezone_name_clean(value: str) -> str:
    """A time zone as typed (any case) → its IANA name; ValueError names the field and the fix."""
    name = timezone_canonical(value or "")
    if name is None:
        shown = (value or "").strip() or "(empty)"
        raise ValueError(
            f"Time zone: {shown!r} is not an IANA time zone name. Pick one from the list, "
            "such as Europe/London or America/New_York."
        )
    return name


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


def account_utm_save(*, account: ClientAccount, enabled: bool, campaign: str) -> ClientAccount:
    """Link tracking: whether published links get UTM tags, and the campaign name they carry."""
    account.utm_enabled = enabled
    account.utm_campaign = campaign.strip()[:100]
    account.save(update_fields=["utm_enabled", "utm_campaign"])
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


DIGESTS = ("immediate", "hourly", "daily")


@transaction.atomic
def approval_settings_save(
    *,
    account: ClientAccount,
    required: bool,
    digest: str,
    hour: str | int,
    link_days: str | int,
    add_reviewer: str = "",
    remove_reviewers: list[str] | None = None,
) -> ClientAccount:
    """Validate everything first; a bad value raises ValueError naming the field, saving nothing."""
    if digest not in DIGESTS:
        raise ValueError(f"digest: choose {', '.join(DIGESTS)}.")
    try:
        hour, link_days = int(hour), int(link_days)
    except (TypeError, ValueError):
        raise ValueError("digest hour and link days must be whole numbers.") from None
    if not 0 <= hour <= 23:
        raise ValueError("digest hour: use 0 to 23 (local time).")
    if not 1 <= link_days <= 30:
        raise ValueError("link days: links can last 1 to 30 days.")
    email = add_reviewer.strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValueError(f"reviewer email: {email!r} is not an email address.") from None
    account.approval_required = required
    account.approval_digest = digest
    account.approval_digest_hour = hour
    account.approval_link_days = link_days
    account.save(
        update_fields=[
            "approval_required", "approval_digest", "approval_digest_hour", "approval_link_days",
        ]
    )  # fmt: skip
    if email:
        ExternalReviewer.objects.get_or_create(account=account, email=email)
    if remove_reviewers:
        ExternalReviewer.objects.filter(
            account=account, pk__in=parse_ids(remove_reviewers)
        ).delete()
    return account

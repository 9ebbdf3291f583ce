import functools
import zoneinfo

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import ClientAccount, ExternalReviewer, Membership, Role, User


def accounts_for_user(*, user: User) -> QuerySet[ClientAccount]:
    if not user.is_authenticated:
        return ClientAccount.objects.none()
    return ClientAccount.objects.filter(memberships__user=user).order_by("name")


def account_for_user(*, user: User, slug: str) -> ClientAccount | None:
    return accounts_for_user(user=user).filter(slug=slug).first()


def account_for_user_or_404(*, user: User, slug: str) -> ClientAccount:
    """Outsiders get a 404, never a 403: they must not learn that the account exists."""
    account = account_for_user(user=user, slug=slug)
    if account is None:
        raise Http404("No such account.")
    return account


def membership_role(*, user: User, account: ClientAccount) -> str | None:
    return (
        Membership.objects.filter(user=user, account=account).values_list("role", flat=True).first()
    )


def user_is_account_admin(*, user: User, account: ClientAccount) -> bool:
    return membership_role(user=user, account=account) == Role.ADMIN


def external_reviewers_for(*, account: ClientAccount) -> QuerySet[ExternalReviewer]:
    return account.external_reviewers.all()


@functools.cache
def timezone_names() -> tuple[str, ...]:
    """Every IANA zone name this machine knows, sorted (the time-zone pickers' list)."""
    return tuple(sorted(zoneinfo.available_timezones()))


@functools.cache
def _timezones_by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in timezone_names()}


def timezone_canonical(value: str) -> str | None:
    """The zone's own spelling of a name typed in any case ("europe/london" → "Europe/London"),
    or None when no zone has that name."""
    return _timezones_by_folded_name().get(value.strip().casefold())

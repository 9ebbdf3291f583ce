import zoneinfo
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.utils import timezone

from accounts.selectors import account_for_user_or_404, membership_role


def account_member_required(view):
    """Resolve <slug> to an account the user belongs to (404 otherwise) and pass it on."""

    @login_required
    @wraps(view)
    def wrapper(request, slug: str, *args, **kwargs):
        account = account_for_user_or_404(user=request.user, slug=slug)
        request.account = account
        request.role = membership_role(user=request.user, account=account)
        # Every time on an account's pages reads in the account's own time zone.
        with timezone.override(zoneinfo.ZoneInfo(account.timezone)):
            return view(request, account, *args, **kwargs)

    return wrapper

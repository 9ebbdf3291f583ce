from allauth.account.adapter import get_adapter

from accounts.permissions import Can, role_may
from accounts.selectors import accounts_for_user


def user_accounts(request) -> dict:
    """The accounts a user can switch between (the header shows them when there are several)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"switch_accounts": list(accounts_for_user(user=user).only("name", "slug")[:50])}


def signup(request) -> dict:
    """Whether pages may offer a sign-up link (closed unless ACCOUNT_ALLOW_SIGNUP, see the adapter)."""
    return {"signup_open": get_adapter(request).is_open_for_signup(request)}


def account_nav(request) -> dict:
    """Which main-navigation links the member's role can use (New post, Settings)."""
    role = getattr(request, "role", None)
    return {
        "nav_can_compose": role_may(role, Can.COMPOSE),
        "nav_can_settings": role_may(role, Can.MANAGE_SETTINGS),
    }

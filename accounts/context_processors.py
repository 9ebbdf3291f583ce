from accounts.selectors import accounts_for_user


def user_accounts(request) -> dict:
    """The accounts a user can switch between (the header shows them when there are several)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"switch_accounts": list(accounts_for_user(user=user).only("name", "slug")[:50])}

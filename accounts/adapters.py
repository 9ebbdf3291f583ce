from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Self-hosted teams add people with create_account; open signup is an explicit choice.
        return settings.ACCOUNT_ALLOW_SIGNUP

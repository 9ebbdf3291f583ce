from django.db.models import QuerySet

from accounts.models import ClientAccount
from channels.models import ChannelConnection, Profile


def profiles_for_account(*, account: ClientAccount) -> QuerySet[Profile]:
    return Profile.objects.filter(account=account).select_related("connection")


def connections_for_account(*, account: ClientAccount) -> QuerySet[ChannelConnection]:
    return ChannelConnection.objects.filter(account=account).prefetch_related("profiles")

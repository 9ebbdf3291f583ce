from django.conf import settings
from django.db.models import Max, Prefetch, QuerySet

from accounts.models import ClientAccount
from channels.models import ChannelConnection, Profile
from channels.providers import PROVIDERS


def profiles_for_account(*, account: ClientAccount) -> QuerySet[Profile]:
    return Profile.objects.filter(account=account).select_related("connection")


def connections_for_account(*, account: ClientAccount) -> QuerySet[ChannelConnection]:
    """With each profile's last successful publish (`last_published_at`)."""
    profiles = Profile.objects.annotate(last_published_at=Max("targets__published_at"))
    return (
        ChannelConnection.objects.filter(account=account)
        .prefetch_related(Prefetch("profiles", queryset=profiles))
        .order_by("platform", "display_name")
    )


def connect_buttons(*, auth: str = "oauth2") -> list[tuple[str, str]]:
    """(slug, label) of the platforms a Connect button offers; "Sandbox <name>" for the
    ones sandbox mode serves from a local fake."""
    sandbox = settings.SOCIALDIST_SANDBOX_PLATFORMS
    return [
        (slug, f"Sandbox {cls.name}" if slug in sandbox else cls.name)
        for slug, cls in PROVIDERS.items()
        if cls.auth == auth
    ]

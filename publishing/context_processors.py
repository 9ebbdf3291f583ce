from django.db.models import Count, Q

from channels.models import ConnectionStatus
from publishing.models import PostStatus, TargetStatus


def account_banners(request) -> dict:
    """Banners on every page of an account: expiring channels, and disconnected ones holding posts."""
    account = getattr(request, "account", None)
    if account is None:
        return {}
    held = Q(
        profiles__targets__status=TargetStatus.PENDING,
        profiles__targets__post__status=PostStatus.APPROVED,
    ) & ~Q(profiles__targets__error_code="")
    connections = list(
        account.connections.annotate(held=Count("profiles__targets", filter=held, distinct=True))
    )
    return {
        "banner_expiring": [c for c in connections if c.health == "expiring"],
        "banner_disconnected": [
            c for c in connections if c.status == ConnectionStatus.DISCONNECTED
        ],
    }

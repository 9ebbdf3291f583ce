"""Channel pieces other pages show: the account's CMS integrations (credentials platforms)."""

from django import template

from channels.models import ChannelConnection
from channels.providers import PROVIDERS

register = template.Library()


@register.inclusion_tag("channels/_cms_integrations.html")
def cms_integrations(account) -> dict:
    """Settings → Integrations → CMS: each platform that connects with credentials (a blog),
    its connections in this account, and where to connect it."""
    slugs = [slug for slug, cls in PROVIDERS.items() if cls.auth == "credentials"]
    connections = ChannelConnection.objects.filter(account=account, platform__in=slugs)
    return {
        "account": account,
        "platforms": [
            (slug, PROVIDERS[slug].name, [c for c in connections if c.platform == slug])
            for slug in slugs
        ],
    }

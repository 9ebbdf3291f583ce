"""Registry: platform slug -> provider class. Adding a platform = one module + one line here.

Platform choices, OAuth credentials, filters, the composer and the calendar all derive from this
registry, so the app never offers a platform that is not registered.
"""

from channels.providers.base import Provider
from channels.providers.facebook import FacebookProvider
from channels.providers.ghost import GhostProvider
from channels.providers.instagram import InstagramProvider
from channels.providers.linkedin import LinkedInProvider
from channels.providers.pinterest import PinterestProvider
from channels.providers.tiktok import TikTokProvider
from channels.providers.webflow import WebflowProvider
from channels.providers.wordpress import WordPressProvider
from channels.providers.x import XProvider
from channels.providers.youtube import YouTubeProvider

PROVIDERS: dict[str, type[Provider]] = {
    InstagramProvider.slug: InstagramProvider,
    FacebookProvider.slug: FacebookProvider,
    TikTokProvider.slug: TikTokProvider,
    LinkedInProvider.slug: LinkedInProvider,
    XProvider.slug: XProvider,
    YouTubeProvider.slug: YouTubeProvider,
    PinterestProvider.slug: PinterestProvider,
    WordPressProvider.slug: WordPressProvider,
    GhostProvider.slug: GhostProvider,
    WebflowProvider.slug: WebflowProvider,
}


class UnknownPlatform(LookupError):
    pass


def get_provider(platform: str) -> Provider:
    try:
        return PROVIDERS[platform]()
    except KeyError:
        raise UnknownPlatform(
            f"{platform!r} is not a supported platform; use one of {', '.join(PROVIDERS)}."
        ) from None


def provider_class(platform: str) -> type[Provider] | None:
    """The registered class (its declarations), or None for an unknown slug."""
    return PROVIDERS.get(platform)


def platform_choices() -> list[tuple[str, str]]:
    """(slug, proper name) of every registered platform: model, filter and form choices."""
    return [(slug, cls.name) for slug, cls in PROVIDERS.items()]


def platform_name(platform: str) -> str:
    cls = PROVIDERS.get(platform)
    return cls.name if cls else platform


def grant_family_members(family: str) -> list[str]:
    """The platforms riding on one grant (Meta's Instagram + Facebook Pages)."""
    return [slug for slug, cls in PROVIDERS.items() if family and cls.grant_family == family]

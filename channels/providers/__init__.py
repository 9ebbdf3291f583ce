"""Registry: platform slug -> provider class. Adding a platform = one module + one line here."""

from channels.providers.base import Provider
from channels.providers.facebook import FacebookProvider
from channels.providers.instagram import InstagramProvider
from channels.providers.tiktok import TikTokProvider

PROVIDERS: dict[str, type[Provider]] = {
    InstagramProvider.slug: InstagramProvider,
    FacebookProvider.slug: FacebookProvider,
    TikTokProvider.slug: TikTokProvider,
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

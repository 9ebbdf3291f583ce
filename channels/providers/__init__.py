"""Registry: platform slug -> provider class. Adding a platform = one module + one line here."""

from channels.providers.base import Provider
from channels.providers.instagram import InstagramProvider

PROVIDERS: dict[str, type[Provider]] = {
    InstagramProvider.slug: InstagramProvider,
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

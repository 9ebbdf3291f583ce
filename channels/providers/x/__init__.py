from channels.providers.x.provider import XProvider

__all__ = ["XProvider"]

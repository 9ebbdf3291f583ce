"""LinkedIn: member and Company Page posts through the Posts API (PLATFORMS.md §5)."""

from channels.providers.linkedin.provider import LinkedInProvider

__all__ = ["LinkedInProvider"]

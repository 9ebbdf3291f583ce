"""TikTok: Login Kit v2 OAuth and the Content Posting API (PLATFORMS.md §4)."""

from channels.providers.tiktok.provider import PRIVACY_CHOICES, PRIVACY_LEVELS, TikTokProvider

__all__ = ["PRIVACY_CHOICES", "PRIVACY_LEVELS", "TikTokProvider"]

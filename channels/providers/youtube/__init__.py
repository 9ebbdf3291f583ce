"""YouTube: Google OAuth and the YouTube Data API v3 (PLATFORMS.md §7)."""

from channels.providers.youtube.provider import YouTubeProvider

__all__ = ["YouTubeProvider"]

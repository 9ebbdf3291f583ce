"""YouTube runs the provider contract against the fake Google OAuth + YouTube Data API."""

import pytest

from channels.models import Profile
from channels.providers.youtube import YouTubeProvider
from tests.channels.providers.contract import ProviderContract
from tests.fakes.youtube import FakeYouTube


class TestYouTubeContract(ProviderContract):
    platform = "youtube"
    fake_fixture = "fake_youtube"
    fake_class = FakeYouTube
    examples = {
        "video": [("video", "https://cdn.example.com/clip.mp4")],
        "short": [("video", "https://cdn.example.com/short.mp4")],
    }
    # The resumable upload: the session POST, then the PUTs whose last byte creates the video.
    final_call = "/upload/youtube/v3/videos"
    early_call = "/upload/youtube/v3/videos"

    @pytest.fixture(autouse=True)
    def _small_chunks(self, monkeypatch):
        # 256 KiB chunks, so the fake's 600 KiB videos go in three PUTs.
        monkeypatch.setattr(YouTubeProvider, "chunk_size", 256 * 1024)

    def ready_profile(self, profile: Profile) -> None:
        # YouTube needs the made-for-kids declaration; nobody may assume it.
        profile.extra = {**profile.extra, "made_for_kids": "no"}
        profile.save(update_fields=["extra"])

    def posts_on_platform(self, fake) -> int:
        return len(fake.videos)

    def expire_token(self, fake) -> None:
        fake.expire_access_tokens()

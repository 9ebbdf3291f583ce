"""TikTok runs the provider contract against the fake Content Posting API."""

from channels.models import Profile
from tests.channels.providers.contract import ProviderContract
from tests.fakes.tiktok import FakeTikTok


class TestTikTokContract(ProviderContract):
    platform = "tiktok"
    fake_fixture = "fake_tiktok"
    fake_class = FakeTikTok
    examples = {
        "video": [("video", "https://cdn.example.com/clip.mp4")],
        "photo_slideshow": [("image", "https://cdn.example.com/1.jpg")],
    }
    final_call = "/v2/post/publish/"  # the init: TikTok publishes from it
    early_call = "/v2/post/publish/creator_info/query/"

    def ready_profile(self, profile: Profile) -> None:
        # Direct Post needs the creator's own privacy choice (never a default).
        profile.extra = {**profile.extra, "privacy_level": "PUBLIC_TO_EVERYONE"}
        profile.save(update_fields=["extra"])

    def posts_on_platform(self, fake) -> int:
        return len([p for p in fake.publishes.values() if p.mode == "direct"])

    def expire_token(self, fake) -> None:
        fake.expire_access_tokens()

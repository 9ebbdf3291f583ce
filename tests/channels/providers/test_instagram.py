"""Instagram runs the provider contract against the fake Graph API."""

from tests.channels.providers.contract import ProviderContract
from tests.fakes.instagram import FakeInstagram

IMG, VID = "https://cdn.example.com/{}.jpg", "https://cdn.example.com/{}.mp4"


class TestInstagramContract(ProviderContract):
    platform = "instagram"
    fake_fixture = "fake_instagram"
    fake_class = FakeInstagram
    examples = {
        "feed": [("image", IMG.format(1))],
        "carousel": [("image", IMG.format(1)), ("video", VID.format(2))],
        "reel": [("video", VID.format(1))],
        "story": [("image", IMG.format(1))],
    }
    final_call = "/media_publish"
    early_call = "/content_publishing_limit"

    def posts_on_platform(self, fake) -> int:
        return fake.published_count()

    def expire_token(self, fake) -> None:
        fake.expire_tokens()

"""Facebook Pages runs the provider contract against the fake Graph API."""

from tests.channels.providers.contract import ProviderContract
from tests.fakes.instagram import FakeInstagram


class TestFacebookContract(ProviderContract):
    platform = "facebook"
    fake_fixture = "fake_meta"
    fake_class = FakeInstagram  # one fake serves both Meta platforms, as one Graph API does
    examples = {
        "feed": [
            ("image", "https://cdn.example.com/1.jpg"),
            ("image", "https://cdn.example.com/2.jpg"),
        ],
        "reel": [("video", "https://cdn.example.com/1.mp4")],
    }
    final_call = "/feed"
    early_call = "/photos"

    def posts_on_platform(self, fake) -> int:
        return len(fake.fb_posts)

    def expire_token(self, fake) -> None:
        fake.expire_tokens()

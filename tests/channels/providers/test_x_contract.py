"""X runs the provider contract against the fake X API v2."""

from tests.channels.providers.contract import ProviderContract
from tests.fakes.x import FakeX


class TestXContract(ProviderContract):
    platform = "x"
    fake_fixture = "fake_x"
    fake_class = FakeX
    examples = {
        "feed": [("image", "https://cdn.example.com/photo.jpg")],
        "thread": [],
        "video": [("video", "https://cdn.example.com/clip.mp4")],
    }
    final_call = "/2/tweets"
    early_call = "/2/media/upload/initialize"

    def posts_on_platform(self, fake) -> int:
        return len(fake.roots())

    def expire_token(self, fake) -> None:
        fake.expire_access_tokens()

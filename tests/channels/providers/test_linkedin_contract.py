"""LinkedIn runs the provider contract against the fake Posts API (the first profile listed: a Company Page)."""

from tests.channels.providers.contract import ProviderContract
from tests.fakes.linkedin import FakeLinkedIn

FILES = "https://files.example.org"


class TestLinkedInContract(ProviderContract):
    platform = "linkedin"
    fake_fixture = "fake_linkedin"
    fake_class = FakeLinkedIn
    examples = {
        "feed": [("image", f"{FILES}/photo.jpg")],
        "carousel": [("image", f"{FILES}/1.jpg"), ("image", f"{FILES}/2.png")],
        "video": [("video", f"{FILES}/clip.mp4")],
        "document": [],
        "article": [],
    }
    example_links = {
        "document": f"{FILES}/q3-deck.pdf",
        "article": "https://blog.example.com/fresh-roast",
    }
    final_call = "/rest/posts"
    early_call = "/rest/images"

    def posts_on_platform(self, fake) -> int:
        return len(fake.published())

    def expire_token(self, fake) -> None:
        fake.expire_access_tokens()

"""WordPress runs the provider contract against the fake REST API."""

import itertools

from tests.channels.providers.contract import ProviderContract
from tests.fakes.wordpress import FakeWordPress

_titles = itertools.count(1)


class TestWordPressContract(ProviderContract):
    platform = "wordpress"
    fake_fixture = "fake_wordpress"
    fake_class = FakeWordPress
    examples = {"article": [("image", "https://cdn.example.com/cover.png")]}
    final_call = "/wp-json/wp/v2/posts"
    final_method = "POST"  # the slug look-up GETs the same path
    early_call = "/wp-json/wp/v2/media"

    def connect_values(self, fake) -> dict[str, str]:
        return {"site_url": fake.url, "username": fake.username,
                "application_password": fake.password}  # fmt: skip

    def post_fields(self, post_type: str) -> dict:
        return {"title": f"Contract article {next(_titles)}"}

    def posts_on_platform(self, fake) -> int:
        return len(fake.published())

    def expire_token(self, fake) -> None:
        fake.revoke()  # no expiry: a deleted application password is the only way to lose it

"""Webflow runs the provider contract against the fake Data API."""

import itertools

from tests.channels.providers.contract import ProviderContract
from tests.fakes.webflow import FakeWebflow

_titles = itertools.count(1)


class TestWebflowContract(ProviderContract):
    platform = "webflow"
    fake_fixture = "fake_webflow"
    fake_class = FakeWebflow
    examples = {"article": [("image", "https://cdn.example.com/cover.png")]}
    final_call = "/items/publish"  # the item is created staged, then published
    early_call = "/assets"

    def connect_values(self, fake) -> dict[str, str]:
        return {"site_token": fake.token}

    def post_fields(self, post_type: str) -> dict:
        return {"title": f"Contract article {next(_titles)}"}

    def posts_on_platform(self, fake) -> int:
        return len(fake.published())

    def expire_token(self, fake) -> None:
        fake.revoke()  # a site token has no expiry date: only revoking (or a year unused) ends it

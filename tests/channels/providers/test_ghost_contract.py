"""Ghost runs the provider contract against the fake Admin API."""

import itertools

from channels.models import Profile
from tests.channels.providers.contract import ProviderContract
from tests.fakes.ghost import FakeGhost

_titles = itertools.count(1)


class TestGhostContract(ProviderContract):
    platform = "ghost"
    fake_fixture = "fake_ghost"
    fake_class = FakeGhost
    examples = {"article": [("image", "https://cdn.example.com/cover.png")]}
    final_call = "/ghost/api/admin/posts/"
    final_method = "POST"  # the slug look-up GETs the same path
    early_call = "/ghost/api/admin/images/upload/"

    def connect_values(self, fake) -> dict[str, str]:
        return {"admin_url": fake.url, "admin_api_key": fake.admin_api_key}

    def post_fields(self, post_type: str) -> dict:
        return {"title": f"Contract article {next(_titles)}"}

    def ready_profile(self, profile: Profile) -> None:
        # Ghost's numbers are the newsletter email's: this profile emails every article.
        profile.extra = {**profile.extra, "newsletter": True}
        profile.save(update_fields=["extra"])

    def posts_on_platform(self, fake) -> int:
        return len(fake.published())

    def expire_token(self, fake) -> None:
        fake.revoke()  # the key never expires; deleting the integration revokes it

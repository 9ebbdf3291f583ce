"""Pinterest runs the provider contract against the fake API v5."""

import pytest
from django.core.files.base import ContentFile

from channels.models import Profile
from channels.providers import get_provider
from channels.providers.base import Content, MediaItem
from publishing.models import PostMedia
from tests.channels.providers.contract import ProviderContract
from tests.fakes.pinterest import FakePinterest
from tests.library.helpers import h264_bytes

HELD = "library:"  # an example medium that is a file we hold (video pins take only files)


def hold_file(row: PostMedia) -> None:
    row.url = ""
    row.mime_type = "video/mp4"
    row.file.save("clip.mp4", ContentFile(h264_bytes(seconds=1)), save=True)


class TestPinterestContract(ProviderContract):
    platform = "pinterest"
    fake_fixture = "fake_pinterest"
    fake_class = FakePinterest
    examples = {
        "pin": [("image", "https://cdn.example.com/pin.jpg")],
        "feed": [("image", "https://cdn.example.com/feed.jpg")],
        "carousel": [("image", "https://cdn.example.com/1.jpg"),
                     ("image", "https://cdn.example.com/2.jpg")],
        "video": [("video", f"{HELD}clip.mp4"), ("image", "https://cdn.example.com/cover.jpg")],
    }  # fmt: skip
    final_call = "/v5/pins"
    early_call = "/v5/pins"

    def ready_profile(self, profile: Profile) -> None:
        # Every pin goes to a board: the profile's default one, from the boards listed at connect.
        board = profile.extra["boards"][0]["id"]
        profile.extra = {**profile.extra, "board_id": board}
        profile.save(update_fields=["extra"])

    def target(self, profile, post_type):
        target = super().target(profile, post_type)
        for row in target.post.media.filter(url__startswith=HELD):
            hold_file(row)
        return target

    def posts_on_platform(self, fake) -> int:
        return len(fake.pins)

    def expire_token(self, fake) -> None:
        fake.expire_access_tokens()

    @pytest.mark.parametrize("valid", [True, False], ids=["valid", "invalid"])
    def test_validate_each_post_type(self, valid, settings, fake):
        """The contract's check, with the example video held as a file (a video pin's file is
        uploaded to Pinterest; it takes no video address)."""
        if not valid:
            return super().test_validate_each_post_type(valid, settings, fake)
        provider = get_provider(self.platform)
        for post_type, media in self.examples.items():
            items = [MediaItem(url=url, kind=kind, hosted=url.startswith(HELD),
                               storage_name=url.removeprefix(HELD) if url.startswith(HELD) else "")
                     for kind, url in media]  # fmt: skip
            content = Content(post_type=post_type, caption="Fine", media=items)
            assert provider.validate(content) == [], post_type

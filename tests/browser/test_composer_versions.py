"""Issue 15 in a real browser: one post to Instagram (a carousel whose images were reordered with
the keyboard), TikTok (a video, privacy chosen) and Facebook (its own caption). Uploads go to the
media library as they are picked, so a validation error keeps them; the fakes then receive three
different payloads. Screenshots of the composer at 1280 and 390 px land in test-results/."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from channels.models import Profile
from library.models import MediaAsset
from publishing.dispatch import dispatch_due
from publishing.models import Post, PostTarget
from tests.browser.test_marketer_flow import (  # noqa: F401 - fixtures
    RESULTS,
    browser_page,
    console_errors,
    log_in,
    world,
)
from tests.helpers import connect
from tests.media_files import image_bytes, video_bytes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def networks(world, fake_meta, fake_tiktok):  # noqa: F811 - the fixture imported above
    account, placeholder = world
    placeholder.delete()  # the profiles below come from the fakes, through OAuth
    for platform in ("instagram", "facebook", "tiktok"):
        assert connect(platform=platform, account=account).status_code in (200, 302)
    Profile.objects.filter(platform="tiktok").update(posting_mode="automatic")
    # The fakes' avatar hosts do not resolve here; the previews fall back to an initial.
    Profile.objects.update(picture_url="")
    return {p.platform: p for p in Profile.objects.filter(account=account)}


def files():
    return [
        {"name": "beans.jpg", "mimeType": "image/jpeg", "buffer": image_bytes()},
        {"name": "cup.jpg", "mimeType": "image/jpeg", "buffer": image_bytes("JPEG", (1080, 1350))},
        {"name": "pour.mp4", "mimeType": "video/mp4",
         "buffer": video_bytes(codec="libx264", frames=30, rate=30)},
    ]  # fmt: skip


def test_one_post_three_networks_three_payloads(
    browser_page,  # noqa: F811
    live_server,
    networks,
    fake_meta,
    fake_tiktok,
):
    page = browser_page
    log_in(page, live_server)
    page.goto(f"{live_server.url}/a/acme/posts/new/")
    page.set_input_files("input[data-instant-upload]", files())
    page.locator("#media-choices li input:checked").nth(2).wait_for()
    names = page.locator("#media-choices li .media-name")

    def order() -> list[str]:
        return [n.split(" ·")[0] for n in names.all_inner_texts()[:3]]

    assert order() == ["beans.jpg", "cup.jpg", "pour.mp4"]
    # Keyboard only: focus "Move cup.jpg up" and press Enter; the focus stays on the button.
    page.focus("button[aria-label='Move cup.jpg up']")
    page.keyboard.press("Enter")
    assert order() == ["cup.jpg", "beans.jpg", "pour.mp4"]
    page.keyboard.press("Enter")  # already first: nothing moves
    assert order() == ["cup.jpg", "beans.jpg", "pour.mp4"]

    page.fill("#id_caption", "Fresh roast this morning")
    page.select_option("#id_post_type", "carousel")
    for platform in ("instagram", "facebook", "tiktok"):
        page.check(f"input[name=profiles][value='{networks[platform].pk}']")
    page.check("input[name=instagram_customise]")
    page.fill("input[name=instagram_media]", "1, 2")
    page.check("input[name=facebook_customise]")
    page.fill("textarea[name=facebook_caption]", "Facebook gets its own words")
    page.select_option("select[name=facebook_post_type]", "feed")
    page.fill("input[name=facebook_media]", "2")
    page.check("input[name=tiktok_customise]")
    page.select_option("select[name=tiktok_post_type]", "video")
    page.fill("input[name=tiktok_media]", "3")
    page.check("input[name=when][value=time]")
    at = timezone.localtime(timezone.now() + timedelta(hours=2), timezone.get_default_timezone())
    page.fill("#id_scheduled_at", at.strftime("%Y-%m-%dT%H:%M"))
    page.wait_for_selector("#composer-check [data-network='tiktok']")

    RESULTS.mkdir(exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 10
        page.screenshot(path=str(RESULTS / f"composer-versions-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # No privacy chosen for TikTok: refused, and the three uploads are still there, in order.
    page.click("form.composer button:has-text('Save')")
    page.wait_for_selector(".field-tiktok_privacy_level .errorlist")
    assert not Post.objects.exists()
    checked = page.locator("#media-choices li:has(input:checked) .media-name").all_inner_texts()
    assert [n.split(" ·")[0] for n in checked] == ["cup.jpg", "beans.jpg", "pour.mp4"]

    page.select_option("select[name=tiktok_privacy_level]", "PUBLIC_TO_EVERYONE")
    page.click("form.composer button:has-text('Save')")
    page.wait_for_url(f"{live_server.url}/a/acme/posts/*/")
    post = Post.objects.get()
    assert set(PostTarget.objects.values_list("post_type", flat=True)) == {
        "carousel",
        "feed",
        "video",
    }

    with time_machine.travel(timezone.now() + timedelta(hours=2, minutes=1), tick=False) as clock:
        for _ in range(6):
            dispatch_due()
            clock.shift(timedelta(minutes=2))
    statuses = dict(post.targets.values_list("profile__platform", "status"))
    assert statuses == {"instagram": "published", "facebook": "published", "tiktok": "published"}

    files_by_name = dict(MediaAsset.objects.values_list("original_name", "file"))
    children = [c.params for c in fake_meta.containers.values() if c.params.get("is_carousel_item")]
    assert [c["image_url"].split("?")[0].split("/media/")[1] for c in children] == [
        files_by_name["cup.jpg"], files_by_name["beans.jpg"],
    ]  # fmt: skip
    carousel = next(
        c.params for c in fake_meta.containers.values() if c.params.get("media_type") == "CAROUSEL"
    )
    assert carousel["caption"] == "Fresh roast this morning"
    (fb_post,) = fake_meta.fb_posts.values()
    assert fb_post["message"] == "Facebook gets its own words"
    (publish,) = fake_tiktok.publishes.values()
    assert (publish.kind, publish.privacy, publish.source) == (
        "video",
        "PUBLIC_TO_EVERYONE",
        "FILE_UPLOAD",
    )
    media = list(post.media.order_by("position").values_list("asset__original_name", flat=True))
    assert media == ["cup.jpg", "beans.jpg", "pour.mp4"]

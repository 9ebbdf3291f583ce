"""The pages this round added, in a real browser at 1280 and 390 px: the composer's TikTok choices,
the Channels page's TikTok defaults, and the "was it posted?" choice on an unconfirmed target.
No console errors (CSP included); nothing wider than the phone. Screenshots land in test-results/."""

from datetime import timedelta

import pytest
from django.utils import timezone

from channels.models import ChannelConnection
from publishing.models import PostTarget
from tests.browser.test_marketer_flow import (  # noqa: F401 - fixtures
    RESULTS,
    browser_page,
    console_errors,
    log_in,
    world,
)
from tests.factories import ProfileFactory, TargetFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tiktok(world):  # noqa: F811 - the fixture imported above
    account, _ = world
    connection = ChannelConnection.objects.create(
        account=account, platform="tiktok", external_user_id="open-id", display_name="Brand Tok",
        access_token="not-real", token_expires_at=timezone.now() + timedelta(hours=20),
    )  # fmt: skip
    return ProfileFactory(connection=connection, platform="tiktok", name="Brand Tok",
                          posting_mode="automatic")  # fmt: skip


def test_tiktok_choices_and_the_unconfirmed_choice(browser_page, live_server, world, tiktok):  # noqa: F811
    account, instagram = world
    unconfirmed = TargetFactory(
        post__account=account, post__caption="Did this go out?", profile=instagram,
        status="failed", error_code="unconfirmed",
        error_message="Instagram could not confirm the post.",
    )  # fmt: skip
    page = browser_page
    log_in(page, live_server)
    RESULTS.mkdir(exist_ok=True)
    shots = {
        "composer-tiktok": "/a/acme/posts/new/",
        "channels-tiktok": "/a/acme/channels/",
        "post-unconfirmed": f"/a/acme/posts/{unconfirmed.post_id}/",
    }
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for name, path in shots.items():
            page.goto(f"{live_server.url}{path}")
            assert page.evaluate("document.documentElement.scrollWidth") <= width + 10, path
            page.screenshot(path=str(RESULTS / f"{name}-{width}.png"), full_page=True)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/a/acme/posts/new/")
    assert page.locator("text=Posting to TikTok as").count() == 1
    page.goto(f"{live_server.url}/a/acme/posts/{unconfirmed.post_id}/")
    page.click("button:has-text('It was posted')")
    page.wait_for_selector("text=nothing was sent again")
    assert PostTarget.objects.get(pk=unconfirmed.pk).status == "published"

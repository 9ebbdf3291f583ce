# ruff: noqa: F811  (pytest fixtures imported from other modules, used as parameters)
"""Sandbox mode in a real browser: a newcomer with no platform account connects sandbox
Instagram, Facebook Pages and TikTok with the real Connect buttons (through each sandbox's Allow
page), composes and publishes, runs `manage.py sandbox_metrics`, and reads Reports.

Screenshots: test-results/sandbox-*.png (the README's come from this test, copied to
docs/screenshots/). Every page is checked for console errors (CSP violations included).
"""

import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from analytics.models import MetricSnapshot
from channels.models import Profile
from publishing.dispatch import dispatch_due
from publishing.models import PostTarget
from tests.browser.test_marketer_flow import (  # noqa: F401  (fixtures)
    RESULTS,
    browser_page,
    console_errors,
    jpeg_bytes,
    log_in,
)
from tests.factories import AccountFactory, MembershipFactory, UserFactory
from tests.sandbox.fixtures import sandbox  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True)
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def newcomer(settings, tmp_path, live_server, sandbox):
    settings.MEDIA_ROOT = tmp_path
    settings.PUBLIC_BASE_URL = live_server.url  # OAuth callbacks and media URLs
    user = UserFactory(email="marketer@example.com")  # password "correct horse battery"
    account = AccountFactory(name="Demo Brand", slug="acme", timezone="Europe/London")
    MembershipFactory(user=user, account=account, role="admin")
    return account


def connect(page, live_server, button: str, title: str, *, shot: str = "") -> None:
    page.goto(f"{live_server.url}/a/acme/channels/")
    page.click(f"button:has-text('{button}')")
    page.wait_for_selector("text=Allow")
    assert page.title() == title
    if shot:
        page.screenshot(path=str(RESULTS / shot), full_page=True)
    page.click("button:has-text('Allow')")
    page.wait_for_url(f"{live_server.url}/a/acme/")


def test_connect_sandbox_platforms_in_the_browser(browser_page, live_server, newcomer):
    page = browser_page
    RESULTS.mkdir(exist_ok=True)
    log_in(page, live_server)
    assert "Sandbox mode." in page.inner_text("[data-sandbox-banner]")

    connect(page, live_server, "Connect Sandbox Instagram", "Sandbox Instagram — Allow",
            shot="sandbox-allow-1280.png")  # fmt: skip
    assert "Connected Instagram: Brand 1 (Sandbox)." in page.inner_text("main")
    connect(page, live_server, "Connect Sandbox Facebook Pages", "Sandbox Facebook Pages — Allow")
    connect(page, live_server, "Connect Sandbox TikTok", "Sandbox TikTok — Allow")

    names = set(Profile.objects.values_list("name", flat=True))
    assert names == {"Brand 1 (Sandbox)", "Brand Page 1 (Sandbox)", "Brand Tok (Sandbox)"}
    assert all(p.is_sandbox for p in Profile.objects.all())

    page.goto(f"{live_server.url}/a/acme/channels/")
    assert page.locator("table.channels .badge.sandbox").count() == 3
    page.screenshot(path=str(RESULTS / "sandbox-connect-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.locator("[data-sandbox-banner]").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    page.screenshot(path=str(RESULTS / "sandbox-connect-390.png"), full_page=True)


def test_compose_publish_and_read_sandbox_reports(browser_page, live_server, newcomer):
    page = browser_page
    RESULTS.mkdir(exist_ok=True)
    log_in(page, live_server)
    connect(page, live_server, "Connect Sandbox Instagram", "Sandbox Instagram — Allow")
    connect(page, live_server, "Connect Sandbox Facebook Pages", "Sandbox Facebook Pages — Allow")
    profiles = list(Profile.objects.filter(platform__in=["instagram", "facebook"]))

    at = (timezone.now().astimezone(LONDON) + timedelta(hours=1)).replace(second=0, microsecond=0)
    page.goto(f"{live_server.url}/a/acme/posts/new/")
    assert "Brand 1 (Sandbox)" in page.inner_text("main")  # the profiles to choose say so
    page.fill("#id_caption", "Fresh roast is in #coffee")
    for profile in profiles:
        page.check(f"input[name=profiles][value='{profile.pk}']")
    page.check("input[name=when][value=time]")
    page.fill("#id_scheduled_at", f"{at:%Y-%m-%dT%H:%M}")
    page.set_input_files(
        "#id_media", files=[{"name": "roast.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}]
    )
    page.screenshot(path=str(RESULTS / "sandbox-composer-1280.png"), full_page=True)
    page.click("button:has-text('Save')")
    page.wait_for_selector("text=Scheduled.")

    # The worker's minute tick, an hour on: the sandbox platforms take the post.
    with time_machine.travel(at + timedelta(minutes=1), tick=False):
        dispatch_due()
    targets = PostTarget.objects.filter(post__caption="Fresh roast is in #coffee")
    assert sorted(t.status for t in targets) == ["published", "published"]

    call_command("sandbox_metrics", stdout=io.StringIO())
    assert MetricSnapshot.objects.filter(target__in=targets).count() >= 2

    page.goto(f"{live_server.url}/a/acme/calendar/?date={at:%Y-%m-%d}")
    assert "Brand 1 (Sandbox)" in page.inner_text("main")
    page.screenshot(path=str(RESULTS / "sandbox-calendar-1280.png"), full_page=True)
    page.goto(f"{live_server.url}/a/acme/reports/")
    page.wait_for_selector("#platform-chart[data-drawn='1']", state="attached")
    assert "Brand 1 (Sandbox)" in page.inner_text("main")
    page.screenshot(path=str(RESULTS / "sandbox-reports-1280.png"), full_page=True)

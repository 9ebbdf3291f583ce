"""The marketer's day in a real browser (Playwright driving Debian's /usr/bin/chromium).

Log in, compose and schedule a post, see it on the calendar, drag it to another day, filter the
queue, retry a failed post, bulk-cancel. Screenshots land in test-results/.
"""

import io
import os
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from PIL import Image

from analytics.models import MetricSnapshot
from publishing.models import Post, PostTarget
from tests.factories import (
    AccountFactory,
    MembershipFactory,
    ProfileFactory,
    TargetFactory,
    UserFactory,
)

CHROMIUM = "/usr/bin/chromium"
RESULTS = Path(__file__).resolve().parents[2] / "test-results"
pytestmark = pytest.mark.django_db(transaction=True)

if not os.path.exists(CHROMIUM):
    if os.environ.get("REQUIRE_BROWSER") == "1":
        raise RuntimeError(
            f"REQUIRE_BROWSER=1 but {CHROMIUM} is missing (apt-get install chromium)"
        )
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)


@pytest.fixture
def console_errors() -> list[str]:
    """Console errors of every page a test opens: CSP violations, failed loads, script errors."""
    return []


def watch_console(context, errors: list[str]) -> None:
    context.on("console", lambda message: message.type == "error" and errors.append(message.text))


@pytest.fixture
def browser_page(monkeypatch, console_errors):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop in sync tests
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )  # fmt: skip
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15000)
        watch_console(page.context, console_errors)
        page.on("pageerror", lambda error: console_errors.append(f"uncaught: {error}"))
        yield page
        browser.close()
    assert not console_errors, "the browser console reported errors"


@pytest.fixture
def world(settings, tmp_path, live_server):
    settings.MEDIA_ROOT = tmp_path
    settings.PUBLIC_BASE_URL = live_server.url  # media URLs the pages show must load
    user = UserFactory(email="marketer@example.com")  # password "correct horse battery"
    account = AccountFactory(name="Acme Coffee", slug="acme", timezone="Europe/London")
    MembershipFactory(user=user, account=account, role="admin")
    profile = ProfileFactory(connection__account=account, name="Acme IG")
    return account, profile


def log_in(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "marketer@example.com")
    page.fill("input[name=password]", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/a/acme/")


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1080, 1080), "orange").save(buffer, "JPEG")
    return buffer.getvalue()


def test_compose_schedule_calendar_drag(browser_page, live_server, world):
    account, profile = world
    page = browser_page
    log_in(page, live_server)

    tomorrow = (timezone.now().astimezone(ZoneInfo("Europe/London")) + timedelta(days=2)).date()
    page.goto(f"{live_server.url}/a/acme/posts/new/")
    page.fill("#id_caption", "Autumn menu is here #coffee")
    page.check(f"input[name=profiles][value='{profile.pk}']")
    page.wait_for_selector("text=27 / 2200 characters")  # live per-platform count (HTMX)
    page.check("input[name=when][value=time]")
    page.fill("#id_scheduled_at", f"{tomorrow:%Y-%m-%d}T10:00")
    page.set_input_files(
        "#id_media", files=[{"name": "menu.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}]
    )
    page.click("button:has-text('Save')")
    page.wait_for_selector("text=Scheduled.")
    target = PostTarget.objects.get(post__caption="Autumn menu is here #coffee")
    assert target.status == "scheduled"
    assert target.scheduled_at == datetime.combine(
        tomorrow, datetime.min.time().replace(hour=10), ZoneInfo("Europe/London")
    )

    page.goto(f"{live_server.url}/a/acme/calendar/?date={tomorrow:%Y-%m-%d}")
    card = page.locator(f"[data-target='{target.pk}']")
    assert "Autumn menu" in card.inner_text()
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / "calendar.png"), full_page=True)

    later = tomorrow + timedelta(days=1)
    if later.month != tomorrow.month:  # stay on the visible month
        later = tomorrow - timedelta(days=1)
    card.drag_to(page.locator(f"section[data-date='{later:%Y-%m-%d}']"))
    page.wait_for_selector("#calendar-status.msg-success")
    assert "Moved to" in page.inner_text("#calendar-status")
    target.refresh_from_db()
    assert target.scheduled_at.astimezone(ZoneInfo("Europe/London")).date() == later
    assert target.scheduled_at.astimezone(ZoneInfo("Europe/London")).hour == 10


def test_queue_filter_retry_and_bulk_cancel(browser_page, live_server, world):
    account, profile = world
    failed = TargetFactory(post__account=account, post__caption="Broken post", profile=profile,
                           status="failed", error_code="36003/2207009", error_message="Aspect ratio")  # fmt: skip
    waiting = [TargetFactory(post__account=account, post__caption=f"Queued {n}", profile=profile,
                             scheduled_at=timezone.now() + timedelta(days=3 + n)) for n in range(3)]  # fmt: skip
    page = browser_page
    log_in(page, live_server)

    page.goto(f"{live_server.url}/a/acme/queue/")
    page.select_option("#id_status", "failed")
    page.click("button:has-text('Filter')")
    page.wait_for_selector("text=36003/2207009: Aspect ratio")
    assert page.locator("tr[data-row]").count() == 1
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / "queue.png"), full_page=True)
    page.click(f"tr[data-row='{failed.pk}'] button:has-text('Retry')")
    page.wait_for_selector("text=Retrying 1 post.")
    assert PostTarget.objects.get(pk=failed.pk).status == "scheduled"

    page.goto(f"{live_server.url}/a/acme/queue/")
    for target in waiting[:2]:
        page.check(f"input[name=target][value='{target.pk}']")
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.click("button[name=action][value=cancel]")  # destructive: the browser asks first
    page.wait_for_selector("text=Cancelled 2 posts.")
    assert dialogs and dialogs[0].startswith("Cancel the selected posts?")
    statuses = dict(
        PostTarget.objects.filter(pk__in=[t.pk for t in waiting]).values_list("pk", "status")
    )
    assert [statuses[t.pk] for t in waiting] == ["cancelled", "cancelled", "scheduled"]
    assert Post.objects.count() == 4


def test_reading_works_without_javascript_on_a_phone(
    live_server, world, browser_page, console_errors
):
    page = browser_page
    log_in(page, live_server)
    context = page.context.browser.new_context(
        java_script_enabled=False, viewport={"width": 390, "height": 844}
    )
    watch_console(context, console_errors)
    context.add_cookies(page.context.cookies())
    phone = context.new_page()
    for path in ("/a/acme/calendar/", "/a/acme/queue/", "/a/acme/posts/new/", "/a/acme/channels/"):
        phone.goto(f"{live_server.url}{path}")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 400, path
    for name in ("Reconnect", "Disconnect"):  # the channels page is the last one open
        box = phone.get_by_role("button", name=name, exact=True).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, name
    phone.screenshot(path=str(RESULTS / "calendar-390px.png"), full_page=True)
    context.close()


def test_scripts_run_under_the_content_security_policy(live_server, world, browser_page):
    """Charts, calendar colours and the account switcher work with script-src 'self' only."""
    account, profile = world
    published = TargetFactory(post__account=account, post__caption="Summer menu", profile=profile,
                              status="published", published_at=timezone.now() - timedelta(days=1))  # fmt: skip
    MetricSnapshot.objects.create(target=published, window="24h", collected_at=timezone.now(),
                                  reach=1000, likes=40, comments=2, engagements=42)  # fmt: skip
    scheduled = TargetFactory(post__account=account, post__caption="Autumn menu", profile=profile,
                              scheduled_at=timezone.now() + timedelta(hours=2))  # fmt: skip
    page = browser_page
    log_in(page, live_server)
    other = AccountFactory(name="Beta Bakery", slug="beta")  # after log_in: it lands on acme
    MembershipFactory(user=account.memberships.get().user, account=other, role="marketer")

    page.goto(f"{live_server.url}/a/acme/reports/")  # waits for "load": deferred scripts ran
    charts = page.evaluate(
        "['platform-chart', 'bucket-chart'].map(id => Chart.getChart(id)?.data.labels)"
    )
    assert charts == [["Instagram"], ["(no bucket)"]], charts

    day = scheduled.scheduled_at.astimezone(ZoneInfo("Europe/London")).date()
    page.goto(f"{live_server.url}/a/acme/calendar/?view=week&date={day:%Y-%m-%d}")
    card = page.locator(f"[data-target='{scheduled.pk}']")
    colour = card.evaluate("el => getComputedStyle(el).borderLeftColor")
    assert colour == "rgb(59, 91, 219)"  # the account's first profile colour, set by calendar.js

    page.select_option("#account-switch", "beta")
    page.wait_for_url(f"{live_server.url}/a/beta/")

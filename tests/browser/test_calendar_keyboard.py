"""The calendar without a mouse, and pages that fit (Playwright driving Debian's chromium).

Tab to a card, press "m", type a new date and time, press Enter: the post moves and the card has
the focus again. Week rows line up across a busy and a quiet day; the week, month and settings
pages fit 390 px without sideways scrolling. Screenshots land in test-results/.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from accounts.models import ClientAccount
from publishing.models import PostTarget
from tests.browser.test_marketer_flow import CHROMIUM, RESULTS, log_in, watch_console, world
from tests.factories import ProfileFactory, TargetFactory

pytestmark = pytest.mark.django_db(transaction=True)
LONDON = ZoneInfo("Europe/London")
__all__ = ["world"]  # the fixture, shared with the marketer's flow


@pytest.fixture
def page(monkeypatch):
    """A page in a New York browser (the account is in London)."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )  # fmt: skip
        context = browser.new_context(
            viewport={"width": 1280, "height": 900},
            timezone_id="America/New_York",
        )
        watch_console(context, errors)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
        yield page
        browser.close()
    assert not errors, f"the browser console reported errors: {errors}"


def at(day, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), LONDON)


def type_date(page, selector: str, day) -> None:
    """Type a date into the focused date box, in whichever order this Chromium shows its parts
    (month first or day first, depending on its language)."""
    for order in ("%m%d%Y", "%d%m%Y"):
        page.keyboard.type(day.strftime(order))
        if page.input_value(selector) == day.isoformat():
            return
        page.focus(selector)  # back to its first part
    pytest.fail(f"could not type {day} into {selector}")


def type_time(page, selector: str, value: str) -> None:
    """Type a time into the focused time box, 24-hour or 12-hour as this Chromium shows it."""
    hour, minute = (int(part) for part in value.split(":"))
    for keys in (
        f"{hour:02d}{minute:02d}",
        f"{(hour - 1) % 12 + 1:02d}{minute:02d}{'AP'[hour >= 12]}",
    ):
        page.keyboard.type(keys)
        if page.input_value(selector) == value:
            return
        page.focus(selector)
    pytest.fail(f"could not type {value} into {selector}")


def fits_390(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.url


def test_keyboard_reschedule_aligned_week_and_pages_that_fit(page, live_server, world):
    account, profile = world
    other = ProfileFactory(connection__account=account, name="Acme TikTok", platform="tiktok")
    today = timezone.now().astimezone(LONDON).date()
    tuesday = today + timedelta(days=8 - today.weekday())  # next week's Tuesday: always ahead
    wednesday, thursday = tuesday + timedelta(days=1), tuesday + timedelta(days=2)
    moving = TargetFactory(post__account=account, post__caption="Autumn menu", profile=profile,
                           scheduled_at=at(tuesday, 10))  # fmt: skip
    for n in range(5):  # a busy Tuesday 10:00 next to a quiet Wednesday
        TargetFactory(post__account=account, post__caption=f"Busy {n}", profile=other,
                      scheduled_at=at(tuesday, 10, 5 + n))  # fmt: skip
    TargetFactory(post__account=account, post__caption="Quiet", profile=other,
                  scheduled_at=at(wednesday, 10))  # fmt: skip
    log_in(page, live_server)
    RESULTS.mkdir(exist_ok=True)

    week = f"{live_server.url}/a/acme/calendar/?view=week&date={tuesday:%Y-%m-%d}"
    page.goto(week)
    for hour in ("10:00", "11:00"):
        busy, quiet = (
            page.locator(f".hour[data-date='{d:%Y-%m-%d}'][data-time='{hour}']").bounding_box()
            for d in (tuesday, wednesday)
        )
        assert (busy["y"], busy["height"]) == (quiet["y"], quiet["height"]), hour
    page.screenshot(path=str(RESULTS / "calendar-week-1280.png"))

    # Keyboard only: Tab to the card, "m", type the new date and time, Enter.
    for _ in range(400):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.target") == str(moving.pk):
            break
    else:
        pytest.fail("Tab never reached the card")
    page.keyboard.press("m")
    assert page.locator("#move-dialog").evaluate("d => d.open")
    assert page.evaluate("document.activeElement.id") == "move-date"
    assert "New time (Europe/London)" in page.inner_text("#move-dialog")
    assert (
        f"Autumn menu on Acme IG, now {tuesday:%Y-%m-%d} 10:00 (Europe/London)."
        in page.inner_text("#move-what")
    )
    page.screenshot(path=str(RESULTS / "calendar-move-dialog-1280.png"))
    type_date(page, "#move-date", thursday)
    for _ in range(4):  # Tab walks the date's parts, then on to the time
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "move-time":
            break
    type_time(page, "#move-time", "15:45")
    assert page.input_value("#move-date") == f"{thursday:%Y-%m-%d}"
    assert page.input_value("#move-time") == "15:45"
    page.keyboard.press("Enter")
    page.wait_for_selector("text=now goes out")
    message = page.inner_text(".messages")
    assert (
        f"“Autumn menu” on Acme IG now goes out {thursday:%a %d %b %Y} at 15:45 (Europe/London)."
        in message
    )
    moving.refresh_from_db()
    assert moving.scheduled_at == at(thursday, 15, 45) and moving.status == "scheduled"
    assert page.evaluate("document.activeElement.dataset.target") == str(moving.pk)  # focus back
    assert (
        page.locator(
            f".hour[data-date='{thursday:%Y-%m-%d}'][data-time='15:00'] [data-target='{moving.pk}']"
        ).count()
        == 1
    )

    # "Move…" is a keyboard stop of its own too; Escape closes the dialog, nothing moves.
    page.focus(f"a[data-move-for='{moving.pk}']")
    page.keyboard.press("Enter")
    assert page.locator("#move-dialog").evaluate("d => d.open")
    page.keyboard.press("Escape")
    assert not page.locator("#move-dialog").evaluate("d => d.open")
    assert PostTarget.objects.get(pk=moving.pk).scheduled_at == at(thursday, 15, 45)

    page.goto(f"{live_server.url}/a/acme/calendar/?date={tuesday:%Y-%m-%d}")
    page.screenshot(path=str(RESULTS / "calendar-month-1280.png"), full_page=True)
    page.goto(f"{live_server.url}/a/acme/settings/")
    page.screenshot(path=str(RESULTS / "settings-1280.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(week)
    fits_390(page)
    assert page.evaluate("document.documentElement.scrollHeight") < 3 * 844  # not endless
    page.screenshot(path=str(RESULTS / "calendar-week-390.png"), full_page=True)
    page.goto(f"{live_server.url}/a/acme/schedule/")
    fits_390(page)
    page.screenshot(path=str(RESULTS / "schedule-390.png"), full_page=True)
    page.goto(f"{live_server.url}/a/acme/settings/")
    fits_390(page)
    page.screenshot(path=str(RESULTS / "settings-390.png"), full_page=True)

    # The zone box offers the browser's own zone; saving it changes the account's zone.
    page.get_by_role("button", name="Use this browser's zone (America/New_York)").click()
    assert page.input_value("#account-timezone") == "America/New_York"
    page.get_by_role("button", name="Save time zone").click()
    page.wait_for_selector("text=now shown and planned in America/New_York")
    assert ClientAccount.objects.get(pk=account.pk).timezone == "America/New_York"

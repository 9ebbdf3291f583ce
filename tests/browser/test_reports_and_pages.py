# ruff: noqa: F811  (pytest fixtures imported from test_marketer_flow, used as parameters)
"""Every main page loads in a real browser without a console error, and the reports charts draw.

Uses test_marketer_flow's fixtures: `browser_page` fails the test on any console error or
uncaught exception (CSP violations included); each page is checked on its own so the failure
names it.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from analytics.models import MetricSnapshot
from tests.browser.test_marketer_flow import (  # noqa: F401  (fixtures)
    browser_page,
    console_errors,
    log_in,
    world,
)
from tests.factories import TargetFactory

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = ("/a/acme/", "/a/acme/calendar/", "/a/acme/queue/", "/a/acme/posts/new/",
         "/a/acme/channels/", "/a/acme/media/", "/a/acme/schedule/", "/a/acme/settings/",
         "/a/acme/approvals/", "/a/acme/reports/")  # fmt: skip


@pytest.fixture
def measured(world):
    account, profile = world
    for n, (bucket, likes) in enumerate((("tips", 60), ("promo", 9))):
        target = TargetFactory(post__account=account, post__caption=f"Post {n}", post__bucket=bucket,
                               profile=profile, status="published",
                               published_at=timezone.now() - timedelta(days=1 + n))  # fmt: skip
        MetricSnapshot.objects.create(target=target, window="24h", collected_at=timezone.now(),
                                      reach=1000, likes=likes, comments=1, engagements=likes + 1)  # fmt: skip
    TargetFactory(post__account=account, post__caption="Later", profile=profile,
                  scheduled_at=timezone.now() + timedelta(days=1))  # fmt: skip


def test_every_main_page_loads_without_console_errors(
    browser_page, live_server, measured, console_errors
):
    page = browser_page
    log_in(page, live_server)
    for path in PAGES:
        response = page.goto(f"{live_server.url}{path}")  # "load": deferred scripts ran
        page.wait_for_load_state("networkidle")  # and what they fetched (HTMX) came back
        assert response.status == 200, path
        assert not console_errors, (path, console_errors)


def test_reports_charts_draw_and_rates_read_as_percentages(browser_page, live_server, measured):
    page = browser_page
    log_in(page, live_server)
    page.goto(f"{live_server.url}/a/acme/reports/")
    for canvas in ("#platform-chart", "#bucket-chart"):
        page.wait_for_selector(f"{canvas}[data-drawn='1']", state="attached")
    drawn = page.evaluate(
        "() => ['platform-chart', 'bucket-chart'].map(id => Chart.getChart(id).data.datasets"
        ".map(d => d.data))"
    )
    assert drawn == [[[2000], [71]], [[1, 6.1]]], drawn  # (promo 10, tips 61) / 1000 reach
    # and pixels: a drawn canvas is not blank
    painted = page.evaluate(
        "() => ['platform-chart', 'bucket-chart'].map(id => { const c = document.getElementById(id);"
        " const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " return px.some(v => v !== 0); })"
    )
    assert painted == [True, True]
    assert "engagement rate 3.5%" in page.inner_text("main")  # 71 / 2000, one decimal

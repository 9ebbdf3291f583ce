"""Keyboard rescheduling: the calendar's Move… form (a dialog, or its own page without
JavaScript) moves a post to a local date and time through the drag's reschedule service."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from publishing.models import PostTarget
from tests.factories import MembershipFactory, ProfileFactory, TargetFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def target(account):
    account.timezone = "America/New_York"
    account.save()
    profile = ProfileFactory(connection__account=account, name="Acme IG")
    return TargetFactory(post__account=account, post__caption="Coffee day", profile=profile,
                         scheduled_at=datetime(2026, 11, 24, 14, 0, tzinfo=UTC))  # fmt: skip


def member_client(account, role: str) -> Client:
    user = UserFactory()
    MembershipFactory(user=user, account=account, role=role)
    client = Client()
    client.force_login(user)
    return client


def url(account, target) -> str:
    return f"/a/{account.slug}/calendar/move/{target.pk}/"


@pytest.mark.parametrize("role", ["admin", "marketer"])
def test_owner_and_editor_move_a_post_to_a_local_time(account, target, role):
    client = member_client(account, role)
    back = f"/a/{account.slug}/calendar/?view=week&date=2026-11-24&profile={target.profile_id}"
    response = client.post(
        url(account, target), {"date": "2026-11-27", "time": "10:30", "next": back}
    )
    assert response.status_code == 302
    # Back to the same calendar view and filters, on the new date.
    assert response["Location"] == (
        f"/a/{account.slug}/calendar/?view=week&date=2026-11-27&profile={target.profile_id}"
    )
    # 10:30 in New York (EST, UTC-5) is 15:30 UTC.
    assert PostTarget.objects.get(pk=target.pk).scheduled_at == datetime(
        2026, 11, 27, 15, 30, tzinfo=UTC
    )
    page = client.get(response["Location"]).content.decode()
    assert (
        "“Coffee day” on Acme IG now goes out Fri 27 Nov 2026 at 10:30 (America/New_York)." in page
    )


def test_viewer_cannot_move_and_outsider_gets_404(account, target, outsider_client):
    reviewer = member_client(account, "reviewer")
    data = {"date": "2026-11-27", "time": "10:30"}
    assert reviewer.get(url(account, target)).status_code == 403
    assert reviewer.post(url(account, target), data).status_code == 403
    assert outsider_client.get(url(account, target)).status_code == 404
    assert outsider_client.post(url(account, target), data).status_code == 404
    assert PostTarget.objects.get(pk=target.pk).scheduled_at == target.scheduled_at
    calendar = reviewer.get(f"/a/{account.slug}/calendar/", {"date": "2026-11-24"}).content
    assert b"Move\xe2\x80\xa6" not in calendar and b"move-dialog" not in calendar


def test_a_post_of_another_account_is_404(owner_client, account, target, outsider):
    theirs = TargetFactory(post__account=outsider.memberships.get().account)
    assert owner_client.get(url(account, theirs)).status_code == 404


def test_the_form_names_the_zone_and_refuses_a_past_time(owner_client, account, target):
    page = owner_client.get(url(account, target)).content.decode()
    assert "New time (America/New_York)" in page
    assert 'value="2026-11-24"' in page and 'value="09:00"' in page  # 14:00 UTC, local
    past = owner_client.post(url(account, target), {"date": "2026-11-01", "time": "09:00"})
    assert past.status_code == 400
    assert "“Coffee day” on Acme IG was not moved: That time has passed" in past.content.decode()
    junk = owner_client.post(url(account, target), {"date": "soon", "time": "9 ish"})
    assert junk.status_code == 400 and "Give the date as YYYY-MM-DD." in junk.content.decode()
    assert PostTarget.objects.get(pk=target.pk).scheduled_at == target.scheduled_at


def test_a_foreign_next_is_ignored(owner_client, account, target):
    response = owner_client.post(
        url(account, target),
        {"date": "2026-11-27", "time": "10:30", "next": "https://evil.example.com/?date=1"},
    )
    assert response["Location"] == f"/a/{account.slug}/calendar/?date=2026-11-27"


def test_cards_offer_move_to_those_who_may(owner_client, account, target):
    published = TargetFactory(post__account=account, profile=target.profile, status="published",
                              scheduled_at=datetime(2026, 11, 25, 14, 0, tzinfo=UTC))  # fmt: skip
    for view in ("month", "week"):
        page = owner_client.get(
            f"/a/{account.slug}/calendar/", {"view": view, "date": "2026-11-24"}
        ).content.decode()
        assert f'data-move-for="{target.pk}"' in page and 'id="move-dialog"' in page
        assert f'data-move-for="{published.pk}"' not in page  # published: nothing to move
        assert "New time (America/New_York)" in page


def test_week_is_one_grid_with_a_row_per_hour(owner_client, account, target):
    for hour in range(5):  # a busy Tuesday 09:00 (local) next to an empty Wednesday
        TargetFactory(post__account=account, profile=target.profile,
                      scheduled_at=datetime(2026, 11, 24, 14, hour, tzinfo=UTC))  # fmt: skip
    page = owner_client.get(
        f"/a/{account.slug}/calendar/", {"view": "week", "date": "2026-11-24"}
    ).content.decode()
    assert page.count('class="wk-hour muted"') == 24
    assert page.count('data-drop data-date="2026-11-24"') == 24  # one cell per hour per day
    assert page.count('data-drop data-date="2026-11-25"') == 24

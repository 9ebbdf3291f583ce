from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from library.services import asset_upload
from publishing.models import PostMedia, PostTarget
from scheduling.models import Slot
from tests.factories import MediaFactory, PostFactory, ProfileFactory, TargetFactory
from tests.media_files import image_bytes, upload

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def profile(account):
    return ProfileFactory(connection__account=account, name="Acme IG")


def test_month_shows_posts_and_free_slots_in_the_account_zone(owner_client, account, profile):
    account.timezone = "America/New_York"
    account.save()
    TargetFactory(post__account=account, post__caption="Coffee day", profile=profile,
                  scheduled_at=datetime(2026, 11, 25, 14, 0, tzinfo=UTC))  # fmt: skip
    Slot.objects.create(profile=profile, starts_at=datetime(2026, 11, 26, 16, 0, tzinfo=UTC),
                        local_date=datetime(2026, 11, 26).date(), source="automatic")  # fmt: skip
    page = owner_client.get(f"/a/{account.slug}/calendar/").content.decode()
    assert "November 2026" in page and "times in America/New_York" in page
    assert "09:00" in page and "Coffee day" in page  # 14:00 UTC = 09:00 EST
    assert "11:00 free · Acme IG" in page
    assert f"profile={profile.pk}&at=2026-11-26T11:00" in page


def test_week_view_and_filters(owner_client, account, profile):
    other = ProfileFactory(connection__account=account, platform="tiktok", name="Acme TT")
    TargetFactory(post__account=account, post__caption="IG post", profile=profile,
                  scheduled_at=datetime(2026, 11, 24, 9, 0, tzinfo=UTC))  # fmt: skip
    TargetFactory(post__account=account, post__caption="TT post", profile=other, status="failed",
                  scheduled_at=datetime(2026, 11, 24, 10, 0, tzinfo=UTC))  # fmt: skip
    url = f"/a/{account.slug}/calendar/"
    week = owner_client.get(url, {"view": "week", "date": "2026-11-24"}).content.decode()
    assert "Week of 23 Nov 2026" in week and "IG post" in week
    assert "TT post" not in owner_client.get(url, {"platform": "instagram"}).content.decode()
    failed = owner_client.get(url, {"status": "failed"}).content.decode()
    assert "TT post" in failed and "IG post" not in failed
    assert owner_client.get(url, {"date": "not-a-date", "profile": "x"}).status_code == 200


def test_cards_show_the_first_media_items_library_thumbnail(
    owner_client, account, profile, media_root
):
    photo = asset_upload(account=account, upload=upload("latte.jpg", image_bytes()))
    target = TargetFactory(post__account=account, post__caption="Latte art", profile=profile,
                           scheduled_at=datetime(2026, 11, 25, 14, 0, tzinfo=UTC))  # fmt: skip
    PostMedia.objects.create(post=target.post, kind="image", asset=photo, file=photo.file.name)
    MediaFactory(post=target.post, position=1)  # a second item: only the first shows
    TargetFactory(post__account=account, post__caption="Link only", profile=profile,
                  scheduled_at=datetime(2026, 11, 26, 14, 0, tzinfo=UTC))  # fmt: skip
    url = f"/a/{account.slug}/calendar/"
    month = owner_client.get(url).content.decode()
    assert f"/media/{photo.thumbnail.name}?e=" in month
    assert month.count('class="cal-thumb"') == 1  # none for the post without library media
    img = month.split("<img", 1)[1].split(">", 1)[0]
    assert 'alt=""' in img and "style" not in img  # decoration; sized by app.css (CSP)
    week = owner_client.get(url, {"view": "week", "date": "2026-11-25"}).content.decode()
    assert f"/media/{photo.thumbnail.name}?e=" in week


def test_month_queries_do_not_grow_with_posts(owner_client, account, media_root):
    profiles = [ProfileFactory(connection__account=account) for _ in range(20)]
    photo = asset_upload(account=account, upload=upload("latte.jpg", image_bytes()))

    def add(n):
        posts = PostFactory.create_batch(n, account=account)
        # Every card shows its first media item's library thumbnail.
        PostMedia.objects.bulk_create(
            PostMedia(post=p, kind="image", asset=photo, file=photo.file.name) for p in posts
        )
        PostTarget.objects.bulk_create(
            PostTarget(
                post=p,
                profile=profiles[i % 20],
                status="scheduled",
                scheduled_at=NOW + timedelta(hours=i % 200),
            )  # fmt: skip
            for i, p in enumerate(posts)
        )

    url = f"/a/{account.slug}/calendar/"
    add(20)
    with CaptureQueriesContext(connection) as small:
        assert owner_client.get(url).status_code == 200
    add(1980)
    with CaptureQueriesContext(connection) as large:
        page = owner_client.get(url)
    assert page.status_code == 200
    assert len(large) == len(small)
    assert f"/media/{photo.thumbnail.name}?e=" in page.content.decode()


def test_drag_to_another_day_keeps_the_local_time(owner_client, account, profile):
    target = TargetFactory(post__account=account, profile=profile,
                           scheduled_at=datetime(2026, 11, 24, 9, 30, tzinfo=UTC))  # fmt: skip
    url = f"/a/{account.slug}/calendar/move/"
    response = owner_client.post(url, {"target": target.pk, "date": "2026-11-27", "time": "09:30"})
    assert response.status_code == 200 and "Fri 27 Nov 09:30" in response.content.decode()
    assert PostTarget.objects.get(pk=target.pk).scheduled_at == datetime(
        2026, 11, 27, 9, 30, tzinfo=UTC
    )

    past = owner_client.post(url, {"target": target.pk, "date": "2026-11-01", "time": "09:30"})
    assert past.status_code == 400 and "passed" in past.content.decode()
    junk = owner_client.post(url, {"target": target.pk, "date": "soon", "time": "9"})
    assert junk.status_code == 400
    published = TargetFactory(post__account=account, profile=profile, status="published")
    refused = owner_client.post(
        url, {"target": published.pk, "date": "2026-11-28", "time": "10:00"}
    )
    assert refused.status_code == 400 and "cannot be rescheduled" in refused.content.decode()


def test_outsiders_get_404(outsider_client, account, profile):
    target = TargetFactory(post__account=account, profile=profile)
    assert outsider_client.get(f"/a/{account.slug}/calendar/").status_code == 404
    response = outsider_client.post(f"/a/{account.slug}/calendar/move/",
                                    {"target": target.pk, "date": "2026-11-28", "time": "10:00"})  # fmt: skip
    assert response.status_code == 404


def test_a_slot_a_hand_timed_post_sits_on_is_not_shown_free(owner_client, account, profile):
    other = ProfileFactory(connection__account=account, name="Acme FB")
    for p, hour in ((profile, 16), (profile, 20), (other, 16)):
        Slot.objects.create(profile=p, starts_at=datetime(2026, 11, 26, hour, 0, tzinfo=UTC),
                            local_date=datetime(2026, 11, 26).date(), source="automatic")  # fmt: skip
    TargetFactory(post__account=account, post__caption="By hand", profile=profile,
                  scheduled_at=datetime(2026, 11, 26, 16, 30, tzinfo=UTC))  # fmt: skip
    page = owner_client.get(f"/a/{account.slug}/calendar/").content.decode()
    assert "By hand" in page
    assert "16:00 free · Acme IG" not in page  # taken by the 16:30 post
    assert "20:00 free · Acme IG" in page  # hours away
    assert "16:00 free · Acme FB" in page  # another profile


def _cell(page: str, day: str) -> str:
    """The month cell of one day (YYYY-MM-DD)."""
    return page.split(f'data-date="{day}"', 1)[1].split("</section>", 1)[0]


def test_cards_name_the_profile_with_its_avatar_or_initial(owner_client, account, profile):
    pictured = ProfileFactory(connection__account=account, name="Beans FB", platform="facebook",
                              picture_url="https://cdn.example.com/beans.jpg")  # fmt: skip
    TargetFactory(post__account=account, post__caption="Plain", profile=profile,
                  scheduled_at=datetime(2026, 11, 25, 14, 0, tzinfo=UTC))  # fmt: skip
    TargetFactory(post__account=account, post__caption="Pictured", profile=pictured,
                  scheduled_at=datetime(2026, 11, 26, 14, 0, tzinfo=UTC))  # fmt: skip
    url = f"/a/{account.slug}/calendar/"
    for page in (owner_client.get(url).content.decode(),
                 owner_client.get(url, {"view": "week", "date": "2026-11-25"}).content.decode()):  # fmt: skip
        plain = page.split("Plain", 1)[0].rsplit('class="cal-card"', 1)[1]
        assert '<span class="profile-name">Acme IG</span>' in plain
        assert '<span class="cal-avatar initial" aria-hidden="true">A</span>' in plain
        pic = page.split("Pictured", 1)[0].rsplit('class="cal-card"', 1)[1]
        assert '<span class="profile-name">Beans FB</span>' in pic and "Facebook" in pic
        assert 'src="https://cdn.example.com/beans.jpg" alt="" class="cal-avatar"' in pic


def test_today_is_highlighted_in_the_account_zone(owner_client, account):
    account.timezone = "Pacific/Auckland"  # 12:00 UTC on the 21st is 01:00 on the 22nd there
    account.save()
    url = f"/a/{account.slug}/calendar/"
    page = owner_client.get(url).content.decode()
    assert page.count('class="cal-day today"') == 1 and page.count('aria-current="date"') == 1
    assert 'today" aria-current="date" data-drop data-date="2026-11-22"' in page
    week = owner_client.get(url, {"view": "week", "date": "2026-11-22"}).content.decode()
    assert 'today" aria-current="date" aria-label="Sunday 22 November"' in week
    other = owner_client.get(url, {"date": "2026-12-10"}).content.decode()
    assert "cal-day today" not in other


def test_a_post_awaiting_approval_is_not_called_pending(owner_client, account, profile):
    for caption, post_status, day in (("Needs ok", "awaiting_approval", 25),
                                      ("Half done", "draft", 26), ("Good to go", "approved", 27)):  # fmt: skip
        TargetFactory(post__account=account, post__caption=caption, post__status=post_status,
                      profile=profile, status="pending",
                      scheduled_at=datetime(2026, 11, day, 14, 0, tzinfo=UTC))  # fmt: skip
    page = owner_client.get(f"/a/{account.slug}/calendar/").content.decode()
    assert '<span class="badge awaiting_approval">Awaiting approval</span>' in _cell(
        page, "2026-11-25"
    )
    assert '<span class="badge draft">Draft</span>' in _cell(page, "2026-11-26")
    assert '<span class="badge pending">Pending</span>' in _cell(page, "2026-11-27")
    assert page.count(">Pending</span>") == 1


def test_the_toggle_hides_free_slots(owner_client, account, profile):
    Slot.objects.create(profile=profile, starts_at=datetime(2026, 11, 26, 16, 0, tzinfo=UTC),
                        local_date=datetime(2026, 11, 26).date(), source="automatic")  # fmt: skip
    url = f"/a/{account.slug}/calendar/"
    shown = owner_client.get(url, {"profile": profile.pk}).content.decode()
    assert "16:00 free · Acme IG" in shown
    assert f'href="?view=month&amp;date=2026-11-21&amp;profile={profile.pk}&amp;slots=0"' in shown
    assert ">Hide free slots</a>" in shown
    hidden = owner_client.get(url, {"profile": profile.pk, "slots": "0"}).content.decode()
    assert "free ·" not in hidden and 'class="free-slot"' not in hidden
    assert ">Show free slots</a>" in hidden and "slots=1" in hidden
    # The setting sticks while paging and filtering.
    assert f'date=2026-12-01&profile={profile.pk}&amp;slots=0" aria-label="Next"' in hidden
    assert '<input type="hidden" name="slots" value="0">' in hidden
    week = owner_client.get(url, {"view": "week", "date": "2026-11-26", "slots": "0"})
    assert "free ·" not in week.content.decode()


def test_posts_come_before_free_slots_in_a_busy_day(owner_client, account, profile):
    for hour in range(8, 16):  # eight free slots
        Slot.objects.create(profile=profile, starts_at=datetime(2026, 11, 26, hour, 0, tzinfo=UTC),
                            local_date=datetime(2026, 11, 26).date(), source="automatic")  # fmt: skip
    for n in range(4):  # four posts, late in the day (clear of the slots)
        TargetFactory(post__account=account, post__caption=f"Busy {n}", profile=profile,
                      scheduled_at=datetime(2026, 11, 26, 20, n, tzinfo=UTC))  # fmt: skip
    cell = _cell(owner_client.get(f"/a/{account.slug}/calendar/").content.decode(), "2026-11-26")
    assert all(f"Busy {n}" in cell for n in range(4))
    assert cell.count('class="free-slot"') == 2  # the six-card cell holds the posts first
    assert "+6 free" in cell
    assert cell.index("Busy 3") < cell.index('class="free-slot"')


def test_the_status_filter_says_what_the_cards_say(owner_client, account, profile):
    for caption, post_status in (("Needs ok", "awaiting_approval"), ("Good to go", "approved")):
        TargetFactory(post__account=account, post__caption=caption, post__status=post_status,
                      profile=profile, status="pending",
                      scheduled_at=datetime(2026, 11, 25, 14, 0, tzinfo=UTC))  # fmt: skip
    url = f"/a/{account.slug}/calendar/"
    pending = owner_client.get(url, {"status": "pending"}).content.decode()
    assert "Good to go" in pending and "Needs ok" not in pending
    awaiting = owner_client.get(url, {"status": "awaiting_approval"}).content.decode()
    assert "Needs ok" in awaiting and "Good to go" not in awaiting
    assert '<option value="awaiting_approval" selected>Awaiting approval</option>' in awaiting

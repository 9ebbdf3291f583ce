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

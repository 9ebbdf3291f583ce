"""collect_metrics against the fakes: 1 h / 24 h / 7 d, batching, retries, scores and weights."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from analytics.models import BucketWeight, MetricCollection, MetricSnapshot, TargetScore
from analytics.services import metrics_collect
from channels.models import Profile
from publishing.dispatch import dispatch_due
from tests.factories import MediaFactory, PostFactory, ProfileFactory, TargetFactory
from tests.fakes.instagram import meta_error

pytestmark = pytest.mark.django_db


def published_ig(fake, account, n=1, bucket=""):
    fake.tokens.add("tok")
    profile = Profile.objects.filter(account=account, external_id="1784140001").first() or (
        ProfileFactory(connection__account=account, external_id="1784140001",
                       connection__access_token="tok")
    )  # fmt: skip
    targets = []
    for _ in range(n):
        target = TargetFactory(post__account=account, post__bucket=bucket, profile=profile)
        MediaFactory(post=target.post)
        targets.append(target)
    dispatch_due()
    for t in targets:
        t.refresh_from_db()
        assert t.status == "published"
    return targets


def test_three_collections_at_1h_24h_7d(fake_instagram, account):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        (target,) = published_ig(fake_instagram, account)
        windows = dict(MetricCollection.objects.values_list("window", "due_at"))
        assert windows == {
            "1h": target.published_at + timedelta(hours=1),
            "24h": target.published_at + timedelta(hours=24),
            "7d": target.published_at + timedelta(days=7),
        }
        assert metrics_collect().collected == 0  # nothing due yet
        clock.shift(timedelta(minutes=61))
        assert metrics_collect().collected == 1
        clock.shift(timedelta(hours=23))
        assert metrics_collect().collected == 1
        clock.shift(timedelta(days=6))
        assert metrics_collect().collected == 1
    snapshots = {s.window: s for s in MetricSnapshot.objects.filter(target=target)}
    assert set(snapshots) == {"1h", "24h", "7d"}
    expected = fake_instagram.metrics_for(target.platform_post_id)
    seven = snapshots["7d"]
    assert (seven.reach, seven.views, seven.likes, seven.saves) == (
        expected["reach"], expected["views"], expected["likes"], expected["saved"],
    )  # fmt: skip
    assert seven.engagements == sum(expected[k] for k in ("likes", "comments", "shares", "saved"))
    assert seven.raw["data"][0]["period"] == "lifetime"
    assert TargetScore.objects.filter(target=target).exists()


def test_a_failing_read_is_retried_later_without_blocking_others(fake_instagram, account):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        first, second = published_ig(fake_instagram, account, n=2)
        clock.shift(timedelta(hours=1, minutes=1))
        fake_instagram.fail(meta_error(2, "Service unavailable", status=500, transient=True),
                            path=f"/{first.platform_post_id}/insights")  # fmt: skip
        result = metrics_collect()
        assert (result.collected, result.failed) == (1, 1)
        failed = MetricCollection.objects.get(target=first, window="1h")
        assert (failed.attempts, failed.next_attempt_at) == (
            1,
            timezone.now() + timedelta(minutes=5),
        )
        assert "Service unavailable" in failed.last_error
        clock.shift(timedelta(minutes=5))
        assert metrics_collect().collected == 1
    assert MetricSnapshot.objects.filter(window="1h").count() == 2


def test_tiktok_reads_are_batched_20_at_a_time(fake_tiktok, owner_client, account):
    from publishing.models import PostTarget
    from tests.helpers import connect

    connect(platform="tiktok", account=account, client=owner_client)
    profile = Profile.objects.get(platform="tiktok")
    profile.extra = {**profile.extra, "privacy_level": "PUBLIC_TO_EVERYONE"}  # Direct Post needs it
    profile.save(update_fields=["extra"])
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for n in range(25):
            post = PostFactory(account=account, post_type="video")
            MediaFactory(post=post, kind="video", url=f"https://cdn.example.com/{n}.mp4")
            PostTarget.objects.create(post=post, profile=profile, status="scheduled",
                                      scheduled_at=start, posting_mode="automatic")  # fmt: skip
        dispatch_due()
        assert PostTarget.objects.filter(status="published").count() == 25
        clock.shift(timedelta(hours=1, minutes=1))
        out = StringIO()
        call_command("collect_metrics", stdout=out)
    assert out.getvalue().strip() == "collected 25, failed 0, api calls 2"
    assert fake_tiktok.query_calls == 2
    snapshot = MetricSnapshot.objects.first()
    assert snapshot.views and snapshot.likes and snapshot.reach is None


def test_facebook_metrics(fake_meta, owner_client, account):
    from publishing.models import PostTarget
    from tests.helpers import connect

    connect(platform="facebook", account=account, client=owner_client)
    page = Profile.objects.get(platform="facebook")
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        target = PostTarget.objects.create(post=PostFactory(account=account, caption="hi"), profile=page,
                                           status="scheduled", scheduled_at=start)  # fmt: skip
        dispatch_due()
        target.refresh_from_db()
        fake_meta.metrics[target.platform_post_id] = {"reach": 900, "likes": 30, "comments": 4,
                                                      "shares": 0, "clicks": 12}  # fmt: skip
        clock.shift(timedelta(hours=2))
        metrics_collect()
    s = MetricSnapshot.objects.get()
    assert (s.reach, s.likes, s.comments, s.shares, s.clicks, s.engagements) == (
        900,
        30,
        4,
        0,
        12,
        46,
    )


def test_scores_flag_ad_eligible_posts_and_bucket_weights(fake_instagram, account, api):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        tips = published_ig(fake_instagram, account, n=2, bucket="tips")
        promo = published_ig(fake_instagram, account, n=1, bucket="promo")
        for target, likes in zip(tips + promo, (200, 20, 60), strict=True):
            fake_instagram.metrics[target.platform_post_id] = {
                "reach": 1000, "views": 1200, "likes": likes, "comments": 0, "saved": 0,
                "shares": 0, "total_interactions": likes,
            }  # fmt: skip
        clock.shift(timedelta(days=7, minutes=1))
        metrics_collect()
    scores = {t.pk: TargetScore.objects.get(target=t) for t in tips + promo}
    assert [scores[t.pk].score for t in tips + promo] == [10.0, 0.0, 2.22]
    assert [scores[t.pk].ad_eligible for t in tips + promo] == [True, False, False]
    weights = {w.bucket: w for w in BucketWeight.objects.filter(account=account)}
    assert (weights["tips"].weight, weights["promo"].weight) == (0.6471, 0.3529)

    body = api.get("/insights/weights").json()
    assert body["buckets"][0] == {"bucket": "tips", "weight": 0.6471, "posts": 2,
                                  "mean_engagement_rate": 0.11}  # fmt: skip
    ads = api.get("/insights/ad-eligible").json()
    assert [a["target_id"] for a in ads] == [tips[0].pk]
    metrics = api.get(f"/posts/{tips[0].post_id}/metrics").json()
    assert metrics["targets"][0]["snapshots"][-1]["window"] == "7d"
    assert metrics["targets"][0]["score"] == 10.0


def test_manual_posts_without_a_link_are_not_measured(account):
    from publishing.services import Actor
    from publishing.targets import target_mark_posted

    target = TargetFactory(post__account=account, status="manual")
    target_mark_posted(target=target, actor=Actor(label="me"))
    assert not MetricCollection.objects.exists()


def test_stories_are_read_at_1h_and_24h_only(account):
    from analytics.services import collections_register

    target = TargetFactory(post__account=account, post__post_type="story", status="published",
                           platform_post_id="s1", published_at=timezone.now())  # fmt: skip
    collections_register(target=target)
    assert sorted(MetricCollection.objects.values_list("window", flat=True)) == ["1h", "24h"]

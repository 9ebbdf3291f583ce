"""Collect metrics for 50,000 published targets against the fake platforms.

    .venv/bin/python bench/metrics.py [--targets 50000]

Targets are split across Instagram, Facebook Pages and TikTok (one third each) over 50 accounts.
Prints platform API calls made against the minimum possible (one call per Instagram media and per
Facebook post; TikTok's video/query takes 20 ids per call, per connection) and seconds per 1,000
targets. Runs in a throwaway database next to the configured one.
"""

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import django_setup, throwaway_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=50000)
    parser.add_argument("--accounts", type=int, default=50)
    args = parser.parse_args()

    django_setup()
    from django.conf import settings
    from django.test.utils import setup_test_environment

    from tests.fakes.instagram import FakeInstagram, Media
    from tests.fakes.tiktok import FakeTikTok, Publish

    setup_test_environment()
    meta, tiktok = FakeInstagram().start(), FakeTikTok().start()
    settings.SOCIALDIST_URL_REWRITES = [
        tuple(p.split("=", 1)) for p in f"{meta.rewrites},{tiktok.rewrites}".split(",")
    ]
    try:
        with throwaway_database() as engine:
            minimum = seed(args, meta, tiktok, Media, Publish)
            result = run(args, meta, tiktok, minimum)
    finally:
        meta.stop()
        tiktok.stop()
    print(f"database                 {engine}")
    for key, value in result.items():
        print(f"{key:<24} {value}")


def seed(args, meta, tiktok, Media, Publish) -> int:
    from django.utils import timezone

    from accounts.models import ClientAccount, Organisation
    from analytics.models import MetricCollection
    from channels.models import ChannelConnection, Profile
    from publishing.models import Post, PostTarget

    now = timezone.now()
    org = Organisation.objects.create(name="Bench", slug="bench")
    accounts = ClientAccount.objects.bulk_create(
        ClientAccount(organisation=org, name=f"A{i}", slug=f"a{i}") for i in range(args.accounts)
    )
    meta.tokens.add("meta-token")
    tiktok.access_tokens.add("tt-token")
    profiles = []
    for account in accounts:
        for platform, token in (
            ("instagram", "meta-token"),
            ("facebook", ""),
            ("tiktok", "tt-token"),
        ):
            conn = ChannelConnection.objects.create(
                account=account, platform=platform, external_user_id=f"{platform}-{account.pk}",
                access_token=token,
            )  # fmt: skip
            profiles.append(Profile.objects.create(
                account=account, connection=conn, platform=platform, external_id=f"p{conn.pk}",
                name=f"{platform} {account.pk}", access_token="page-token-10001" if platform == "facebook" else "",
            ))  # fmt: skip
    posts = Post.objects.bulk_create(
        Post(account_id=profiles[i % len(profiles)].account_id, caption=f"p{i}", status="approved")
        for i in range(args.targets)
    )
    targets = []
    per_tiktok_connection: dict[int, int] = {}
    for i, post in enumerate(posts):
        profile = profiles[i % len(profiles)]
        post_id = str(7300000000000000000 + i)
        if profile.platform == "instagram":
            meta.media[post_id] = Media(post_id, "ig", "", "IMAGE", "FEED")
        elif profile.platform == "facebook":
            post_id = f"10001_{i}"
            meta.fb_posts[post_id] = {"page": "10001", "message": "", "link": "", "photos": []}
        else:
            tiktok.publishes[post_id] = Publish(post_id, "video", "direct", "URL",
                                                status="PUBLISH_COMPLETE", post_id=post_id)  # fmt: skip
            per_tiktok_connection[profile.connection_id] = (
                per_tiktok_connection.get(profile.connection_id, 0) + 1
            )
        targets.append(PostTarget(post=post, profile=profile, status="published",
                                  published_at=now, platform_post_id=post_id))  # fmt: skip
    targets = PostTarget.objects.bulk_create(targets, batch_size=5000)
    MetricCollection.objects.bulk_create(
        (MetricCollection(target=t, window="1h", due_at=now) for t in targets), batch_size=5000
    )
    one_per_call = sum(1 for t in targets if t.profile.platform != "tiktok")
    return one_per_call + sum(math.ceil(n / 20) for n in per_tiktok_connection.values())


def run(args, meta, tiktok, minimum) -> dict:
    from analytics.models import MetricSnapshot
    from analytics.services import metrics_collect

    meta.requests.clear()
    tiktok.requests.clear()
    started = time.monotonic()
    collected = failed = calls = 0
    while True:
        result = metrics_collect(limit=5000)
        if not (result.collected or result.failed):
            break
        collected, failed, calls = (
            collected + result.collected,
            failed + result.failed,
            calls + result.api_calls,
        )
    elapsed = time.monotonic() - started
    return {
        "targets": args.targets,
        "snapshots stored": MetricSnapshot.objects.count(),
        "failed": failed,
        "API calls made": calls,
        "API calls minimum": minimum,
        "calls / minimum": f"{calls / minimum:.2f}",
        "wall time": f"{elapsed:.1f} s",
        "seconds per 1,000": f"{elapsed / args.targets * 1000:.2f} s",
    }


if __name__ == "__main__":
    main()

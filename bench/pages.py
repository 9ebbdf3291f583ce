"""Server time and SQL queries per page for an account with 2,000 targets across 20 profiles.

    .venv/bin/python bench/pages.py [--targets 2000] [--profiles 20] [--runs 20]

Measures the calendar (month and week), the queue, the composer, the post page and the reports
page through Django's test client in a throwaway database next to the configured one.
"""

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import django_setup, throwaway_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=2000)
    parser.add_argument("--profiles", type=int, default=20)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    import logging

    django_setup(quiet_below=logging.WARNING)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    # No setup_test_environment(): its template instrumentation would inflate render times.
    with throwaway_database() as engine:
        from analytics.models import MetricSnapshot
        from publishing.models import PostTarget
        from tests.factories import (
            AccountFactory,
            MembershipFactory,
            PostFactory,
            ProfileFactory,
            UserFactory,
        )

        user = UserFactory()
        account = AccountFactory(slug="bench")
        MembershipFactory(user=user, account=account)
        profiles = [ProfileFactory(connection__account=account) for _ in range(args.profiles)]
        now = timezone.now()
        posts = PostFactory.create_batch(args.targets, account=account)
        targets = PostTarget.objects.bulk_create(
            PostTarget(post=p, profile=profiles[i % len(profiles)],
                       status="published" if i % 4 == 0 else "scheduled",
                       scheduled_at=now + timedelta(hours=(i % 600) - 300),
                       published_at=now - timedelta(hours=i % 300) if i % 4 == 0 else None)
            for i, p in enumerate(posts)
        )  # fmt: skip
        MetricSnapshot.objects.bulk_create(
            MetricSnapshot(target=t, window="24h", collected_at=now, reach=1000, likes=40,
                           engagements=40) for t in targets if t.status == "published"
        )  # fmt: skip
        client = Client()
        client.force_login(user)
        pages = {
            "calendar (month)": "/a/bench/calendar/",
            "calendar (week)": "/a/bench/calendar/?view=week",
            "queue": "/a/bench/queue/",
            "composer": "/a/bench/posts/new/",
            "post page": f"/a/bench/posts/{posts[0].pk}/",
            "reports (30 days)": "/a/bench/reports/",
        }
        print(f"database                 {engine}")
        print(f"data                     {args.targets} targets across {args.profiles} profiles")
        for name, url in pages.items():
            client.get(url)  # warm up
            timings = []
            for _ in range(args.runs):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.get(url)
                    timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            print(f"{name:<24} median {statistics.median(timings):6.1f} ms  "
                  f"p95 {sorted(timings)[int(len(timings) * 0.95) - 1]:6.1f} ms  "
                  f"{len(queries)} queries")  # fmt: skip


if __name__ == "__main__":
    main()

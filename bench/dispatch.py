"""Publish N due targets against the fake Graph API and print throughput, lateness and queries.

    .venv/bin/python bench/dispatch.py [--targets 2000] [--workers 16] [--latency 0.05]

Uses a throwaway database next to the configured one (PostgreSQL when DATABASE_URL says so, which
is what the figures in the README and closing notes use). Each worker thread stands in for one
Celery worker process: it claims a batch with targets_claim_due and publishes it.
"""

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import django_setup, throwaway_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--profiles", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.05, help="fake server seconds/call")
    parser.add_argument("--batch", type=int, default=25, help="targets claimed per claim")
    args = parser.parse_args()

    django_setup()
    from django.conf import settings
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from tests.fakes.instagram import FakeInstagram

    setup_test_environment()
    fake = FakeInstagram(pages=args.profiles).start()
    fake.latency = args.latency
    fake.quota_total = 10**9
    settings.SOCIALDIST_URL_REWRITES = [tuple(p.split("=", 1)) for p in fake.rewrites.split(",")]
    try:
        with throwaway_database() as engine:
            result = run(args, fake, timezone)
    finally:
        fake.stop()
    print(f"database                 {engine}")
    for key, value in result.items():
        print(f"{key:<24} {value}")


def run(args, fake, timezone) -> dict:
    from django.db import connection

    from publishing.dispatch import due_targets, target_publish, targets_claim_due
    from publishing.models import PostTarget
    from tests.factories import AccountFactory, ConnectionFactory, MediaFactory, PostFactory

    fake.tokens.add("bench-token")
    account = AccountFactory(utm_enabled=True)
    conn = ConnectionFactory(account=account, access_token="bench-token")
    from channels.models import Profile

    profiles = Profile.objects.bulk_create(
        Profile(
            account=account,
            connection=conn,
            platform="instagram",
            external_id=page["ig"]["id"],
            name=page["name"],
        )
        for page in fake.pages
    )
    due = timezone.now()
    for n in range(args.targets):
        post = PostFactory(account=account, caption=f"Bench post {n} https://shop.example.com/{n}")
        MediaFactory(post=post)
        PostTarget.objects.create(
            post=post, profile=profiles[n % len(profiles)], status="scheduled", scheduled_at=due
        )
    fake.requests.clear()

    queries = [0] * args.workers

    def worker(index: int) -> None:
        def count(execute, sql, params, many, context):
            queries[index] += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            while True:
                claimed = targets_claim_due(limit=args.batch)
                if not claimed and not due_targets().exists():
                    break
                for target_id in claimed:
                    target_publish(target_id=target_id)
        connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started

    rows = list(PostTarget.objects.values_list("status", "scheduled_at", "published_at"))
    published = [r for r in rows if r[0] == "published"]
    lateness = sorted((p - s).total_seconds() for _, s, p in published)
    q = statistics.quantiles(lateness, n=100) if len(lateness) > 1 else [0] * 99
    return {
        "targets": args.targets,
        "published": len(published),
        "published twice": sum(1 for c in fake.publish_calls.values() if c > 1),
        "workers": args.workers,
        "fake latency": f"{args.latency * 1000:.0f} ms per call",
        "wall time": f"{elapsed:.1f} s",
        "throughput": f"{len(published) / elapsed:.1f} targets/s",
        "lateness p50": f"{q[49]:.1f} s",
        "lateness p99": f"{q[98]:.1f} s",
        "SQL per target": f"{sum(queries) / args.targets:.1f}",
        "API calls per target": f"{len(fake.requests) / args.targets:.1f}",
    }


if __name__ == "__main__":
    main()

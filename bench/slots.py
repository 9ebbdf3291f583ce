"""Compute 14 days of slots for 5,000 profiles and attach 20,000 pending targets.

    .venv/bin/python bench/slots.py [--profiles 5000] [--targets 20000] [--temperature warm]

Prints seconds and SQL queries for each step. Runs in a throwaway database next to the configured
one (PostgreSQL when DATABASE_URL says so).
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import django_setup, throwaway_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=5000)
    parser.add_argument("--targets", type=int, default=20000)
    parser.add_argument("--per-account", type=int, default=20)
    parser.add_argument("--temperature", default="warm", choices=["cold", "warm", "hot"])
    args = parser.parse_args()

    django_setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()
    with throwaway_database() as engine:
        seed(args)
        results = measure(args)
    print(f"database                 {engine}")
    for key, value in results.items():
        print(f"{key:<24} {value}")


def seed(args) -> None:
    from accounts.models import ClientAccount, Organisation
    from channels.models import ChannelConnection, Profile
    from publishing.models import Post, PostTarget
    from scheduling.models import ScheduleSettings

    org = Organisation.objects.create(name="Bench", slug="bench")
    n_accounts = max(1, args.profiles // args.per_account)
    accounts = ClientAccount.objects.bulk_create(
        ClientAccount(organisation=org, name=f"A{i}", slug=f"a{i}", publishing_enabled=True,
                      timezone=["Europe/London", "America/New_York", "Australia/Sydney"][i % 3])
        for i in range(n_accounts)
    )  # fmt: skip
    ScheduleSettings.objects.bulk_create(
        ScheduleSettings(account=a, temperature=args.temperature) for a in accounts
    )
    connections = ChannelConnection.objects.bulk_create(
        ChannelConnection(account=a, platform="instagram", external_user_id=f"u{a.pk}")
        for a in accounts
    )
    platforms = ["instagram", "facebook", "tiktok", "linkedin", "x"]
    profiles = Profile.objects.bulk_create(
        Profile(account_id=c.account_id, connection=c, platform=platforms[i % 5],
                external_id=f"p{c.pk}-{i}", name=f"P{i}")
        for c in connections for i in range(args.per_account)
    )[: args.profiles]  # fmt: skip
    posts = Post.objects.bulk_create(
        Post(account_id=profiles[i % len(profiles)].account_id, caption=f"post {i}",
             status="approved")
        for i in range(args.targets)
    )  # fmt: skip
    PostTarget.objects.bulk_create(
        PostTarget(post=post, profile=profiles[i % len(profiles)], status="pending")
        for i, post in enumerate(posts)
    )


def measure(args) -> dict:
    from django.db import connection

    from publishing.models import PostTarget
    from scheduling.models import Slot
    from scheduling.services import slots_compute, targets_attach

    queries = [0]

    def count(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    results = {}
    with connection.execute_wrapper(count):
        started = time.monotonic()
        computed = slots_compute()
        results["compute_slots"] = (
            f"{time.monotonic() - started:.1f} s, {queries[0]} queries, "
            f"{computed.created} slots for {args.profiles} profiles"
        )
        queries[0] = 0
        started = time.monotonic()
        attached = targets_attach()
        results["attach_to_schedule"] = (
            f"{time.monotonic() - started:.1f} s, {queries[0]} queries, "
            f"{attached.attached} attached, {attached.waiting} waiting"
        )
        queries[0] = 0
        started = time.monotonic()
        again = slots_compute()
        results["recompute (no change)"] = (
            f"{time.monotonic() - started:.1f} s, {queries[0]} queries, "
            f"{again.created} created, {again.removed} removed"
        )
    filled = Slot.objects.filter(target__isnull=False).count()
    results["slots filled"] = f"{filled} of {Slot.objects.count()}"
    results["targets scheduled"] = PostTarget.objects.filter(status="scheduled").count()
    return results


if __name__ == "__main__":
    main()

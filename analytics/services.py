"""Metric collection 1 h, 24 h and 7 d after publishing, and what is learned from it."""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from analytics.models import (
    WINDOW_DELAYS,
    BucketWeight,
    MetricCollection,
    MetricSnapshot,
    TargetScore,
    Window,
)
from channels.http import PlatformError
from channels.providers import get_provider, provider_class
from channels.providers.base import Metrics, MetricsRequest
from socialdist.leases import rows_claim_batch
from socialdist.retries import RetrySchedule

logger = logging.getLogger("socialdist.analytics")

# A failed read is tried again after these waits, then given up (the others never wait on it).
RETRY_WAITS = RetrySchedule.of(
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=24),
)
LEASE = timedelta(minutes=10)
COUNTED = ("likes", "comments", "shares", "saves", "clicks")
WEIGHT_LOOKBACK = timedelta(days=90)


def collections_register(*, target, since=None) -> None:
    """On publish: plan the three reads. Idempotent.

    `since`: when the post became measurable, if later than publishing (a platform's public id can
    arrive hours after the post went live); the windows count from then."""
    if not target.platform_post_id or not target.published_at:
        return  # nothing to measure (posted by hand without a link to the post)
    start = since or target.published_at
    cls = provider_class(target.profile.platform)
    # The provider says which reads apply (none without metrics; stories live 24 hours).
    windows = cls.metric_windows(target.post_type) if cls else ()
    MetricCollection.objects.bulk_create(
        [
            MetricCollection(
                target=target,
                window=window,
                due_at=start + timedelta(seconds=WINDOW_DELAYS[window]),
            )
            for window in windows
        ],
        ignore_conflicts=True,
    )


@dataclass
class CollectResult:
    collected: int = 0
    failed: int = 0
    api_calls: int = 0


def metrics_collect(*, now: datetime | None = None, limit: int = 5000) -> CollectResult:
    """Take due collections, batch them per provider and connection, store snapshots."""
    now = now or timezone.now()
    result = CollectResult()
    claimed = _claim(now, limit)
    if not claimed:
        return result
    groups: dict[tuple[str, int], list[MetricCollection]] = defaultdict(list)
    for collection in claimed:
        profile = collection.target.profile
        groups[(profile.platform, profile.connection_id)].append(collection)

    closed_7d, snapshots, done = [], [], []
    for (platform, _), collections in groups.items():
        provider = get_provider(platform)
        if not provider.has_metrics:  # planned before it said so: close them, never retry
            _close_unmeasurable(collections, f"{provider.name} reports no metrics.")
            continue
        for chunk in _chunks(collections, provider.metrics_batch_size):
            requests = [_request(c) for c in chunk]
            try:
                metrics = provider.fetch_metrics(requests)
            except PlatformError as exc:
                metrics = [Metrics(key=r.key, error=exc) for r in requests]
            by_key = {m.key: m for m in metrics}
            for collection in chunk:
                m = by_key.get(collection.target_id)
                if m is None or m.error is not None:
                    _failed(collection, m.error if m else None, now)
                    result.failed += 1
                    continue
                snapshots.append(_snapshot(collection, m, now))
                done.append(collection.pk)
                result.collected += 1
                if collection.window == Window.D7:
                    closed_7d.append(collection.target)
        result.api_calls += len(provider.http.calls)
    _store(snapshots, done, now)
    if closed_7d:
        learn_from(targets=closed_7d)
    return result


def _claim(now, limit) -> list[MetricCollection]:
    due = MetricCollection.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        done_at__isnull=True,
        gave_up=False,
        due_at__lte=now,
    )
    # Moving next_attempt_at under the same conditions makes two runs take disjoint sets.
    token, _ = rows_claim_batch(
        due.order_by("due_at"),
        token_field="claim",
        limit=limit,
        write={"next_attempt_at": now + LEASE},
    )
    return list(
        MetricCollection.objects.filter(claim=token).select_related(
            "target__profile__connection", "target__post"
        )
    )


def _chunks(items: list, size: int):
    iterator = iter(items)
    while chunk := list(islice(iterator, max(1, size))):
        yield chunk


def _request(collection: MetricCollection) -> MetricsRequest:
    target = collection.target
    profile = target.profile
    return MetricsRequest(
        key=target.pk,
        platform_post_id=target.platform_post_id,
        access_token=profile.api_token,
        credentials=profile.api_credentials,
        post_type=target.post_type,
        profile_external_id=profile.external_id,
        scopes=list(profile.connection.scopes or []),
    )


def _snapshot(collection: MetricCollection, m: Metrics, now) -> MetricSnapshot:
    values = {name: getattr(m, name) for name in ("reach", "views", *COUNTED)}
    return MetricSnapshot(
        target_id=collection.target_id,
        window=collection.window,
        collected_at=now,
        engagements=sum(values[name] or 0 for name in COUNTED),
        raw=m.raw,
        **values,
    )


def _store(snapshots: list[MetricSnapshot], done: list[int], now) -> None:
    """One write for the whole run: a re-read replaces that window's snapshot."""
    MetricSnapshot.objects.bulk_create(
        snapshots,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["target", "window"],
        update_fields=["collected_at", "engagements", "raw", "reach", "views", *COUNTED],
    )
    MetricCollection.objects.filter(pk__in=done).update(
        done_at=now, attempts=F("attempts") + 1, last_error="", claim=""
    )


def _close_unmeasurable(collections: list[MetricCollection], reason: str) -> None:
    MetricCollection.objects.filter(pk__in=[c.pk for c in collections]).update(
        gave_up=True, last_error=reason[:300], next_attempt_at=None, claim=""
    )


def _failed(collection: MetricCollection, error: PlatformError | None, now) -> None:
    attempts = collection.attempts + 1
    wait = RETRY_WAITS.wait(attempts)
    gave_up = wait is None
    message = f"{error.code}: {error.message}" if error else "no answer for this post"
    MetricCollection.objects.filter(pk=collection.pk).update(
        attempts=attempts,
        last_error=message[:300],
        gave_up=gave_up,
        next_attempt_at=None if wait is None else now + wait,
        claim="",
    )


# Learning ----------------------------------------------------------------------------------------


def learn_from(*, targets) -> None:
    """A 7-day window closed: rescore those profiles and reweigh those accounts' buckets."""
    for profile_id in {t.profile_id for t in targets}:
        scores_compute(profile_id=profile_id)
    for account_id in {t.post.account_id for t in targets}:
        bucket_weights_compute(account_id=account_id)


def _rate(snapshot: MetricSnapshot) -> float:
    return snapshot.engagement_rate or 0.0


def scores_compute(*, profile_id: int) -> int:
    """Organic score 0–10: the 7-day engagement rate scaled between the profile's worst and best."""
    snapshots = list(MetricSnapshot.objects.filter(target__profile_id=profile_id, window=Window.D7))
    if not snapshots:
        return 0
    rates = [_rate(s) for s in snapshots]
    low, high = min(rates), max(rates)
    threshold = settings.ANALYTICS_AD_SCORE_THRESHOLD
    for snapshot, rate in zip(snapshots, rates, strict=True):
        score = 5.0 if high == low else round(10 * (rate - low) / (high - low), 2)
        TargetScore.objects.update_or_create(
            target_id=snapshot.target_id,
            defaults={"score": score, "ad_eligible": len(rates) > 1 and score >= threshold},
        )
    return len(snapshots)


def bucket_weights_compute(*, account_id: int) -> list[BucketWeight]:
    """Each bucket's share of the summed mean 7-day engagement rates (weights add up to 1)."""
    since = timezone.now() - WEIGHT_LOOKBACK
    snapshots = MetricSnapshot.objects.filter(
        target__post__account_id=account_id, window=Window.D7, target__published_at__gte=since
    ).select_related("target__post")
    rates: dict[str, list[float]] = defaultdict(list)
    for snapshot in snapshots:
        rates[snapshot.target.post.bucket].append(_rate(snapshot))
    means = {bucket: sum(v) / len(v) for bucket, v in rates.items()}
    total = sum(means.values())
    rows = []
    for bucket, mean in means.items():
        row, _ = BucketWeight.objects.update_or_create(
            account_id=account_id,
            bucket=bucket,
            defaults={
                "weight": round(mean / total, 4) if total else round(1 / len(means), 4),
                "posts": len(rates[bucket]),
                "mean_engagement_rate": round(mean, 5),
            },
        )
        rows.append(row)
    BucketWeight.objects.filter(account_id=account_id).exclude(bucket__in=list(means)).delete()
    return rows

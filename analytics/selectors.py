"""Reads for reports, the post page and the API."""

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch, QuerySet

from accounts.models import ClientAccount
from analytics.models import BucketWeight, MetricSnapshot, TargetScore
from channels.providers import provider_class
from publishing.models import PostTarget, TargetStatus
from publishing.versions import effective, target_version

WINDOW_ORDER = {"1h": 0, "24h": 1, "7d": 2}
NUMBERS = ("reach", "views", "likes", "comments", "shares", "saves", "clicks", "engagements")


def bucket_weights(*, account: ClientAccount) -> QuerySet[BucketWeight]:
    return BucketWeight.objects.filter(account=account).order_by("-weight", "bucket")


def ad_eligible(*, account: ClientAccount) -> QuerySet[TargetScore]:
    return (
        TargetScore.objects.filter(target__post__account=account, ad_eligible=True)
        .select_related("target__post", "target__profile")
        .order_by("-score", "-target__published_at")
    )


def published_with_metrics(
    *, account: ClientAccount, date_from: datetime | None = None, date_to: datetime | None = None
) -> list[PostTarget]:
    """Published targets of the account with snapshots, oldest first; `latest` = best window,
    `caption` = what this target published (its network's or profile's version, else the post's).
    """
    targets = PostTarget.objects.filter(post__account=account, status=TargetStatus.PUBLISHED)
    if date_from:
        targets = targets.filter(published_at__gte=date_from)
    if date_to:
        targets = targets.filter(published_at__lt=date_to)
    targets = list(
        targets.select_related("post", "profile")
        .prefetch_related(
            Prefetch("snapshots", queryset=MetricSnapshot.objects.all()), "post__versions"
        )
        .order_by("published_at")
    )
    for target in targets:
        snapshots = sorted(target.snapshots.all(), key=lambda s: WINDOW_ORDER[s.window])
        target.latest = snapshots[-1] if snapshots else None
        target.caption = effective(target.post, target_version(target), "caption")
    return targets


@dataclass
class Totals:
    posts: int = 0
    measured: int = 0
    # Posts on channels that report metrics at all; a group with none shows "no metrics from
    # this channel", never zeros.
    measurable: int = 0
    values: dict = field(default_factory=lambda: dict.fromkeys(NUMBERS, 0))

    def add(self, snapshot: MetricSnapshot | None, *, measurable: bool = True) -> None:
        self.posts += 1
        self.measurable += measurable
        if snapshot is None:
            return
        self.measured += 1
        for name in NUMBERS:
            self.values[name] += getattr(snapshot, name) or 0

    @property
    def engagement_rate(self) -> float | None:
        base = self.values["reach"] or self.values["views"]
        return self.values["engagements"] / base if base else None


@dataclass
class Report:
    totals: Totals
    by_profile: dict[str, Totals]
    by_platform: dict[str, Totals]
    by_bucket: dict[str, Totals]
    by_type: dict[str, Totals]
    top: list[PostTarget]
    heatmap: list[list[float | None]]  # [weekday][hour] mean engagement rate
    targets: list[PostTarget]
    # Proper names of the channels in range that report no metrics (a CMS without analytics).
    no_metrics_channels: list[str] = field(default_factory=list)


def _has_metrics(platform: str) -> bool:
    cls = provider_class(platform)
    return cls is None or cls.has_metrics


def report(
    *, account: ClientAccount, date_from: datetime | None = None, date_to: datetime | None = None
) -> Report:
    targets = published_with_metrics(account=account, date_from=date_from, date_to=date_to)
    tz = zoneinfo.ZoneInfo(account.timezone)
    totals = Totals()
    groups: dict[str, dict[str, Totals]] = {k: defaultdict(Totals) for k in ("p", "pl", "b", "t")}
    cells: dict[tuple[int, int], list[float]] = defaultdict(list)
    silent: set[str] = set()
    for target in targets:
        snapshot = target.latest
        measurable = _has_metrics(target.profile.platform)
        if not measurable:
            silent.add(target.profile.get_platform_display())
        totals.add(snapshot, measurable=measurable)
        groups["p"][target.profile.name].add(snapshot, measurable=measurable)
        groups["pl"][target.profile.get_platform_display()].add(snapshot, measurable=measurable)
        groups["b"][target.post.bucket or "(no bucket)"].add(snapshot, measurable=measurable)
        groups["t"][target.get_post_type_display()].add(snapshot, measurable=measurable)
        if snapshot and snapshot.engagement_rate is not None:
            local = target.published_at.astimezone(tz)
            cells[(local.weekday(), local.hour)].append(snapshot.engagement_rate)
    heatmap = [
        [
            (sum(cells[(d, h)]) / len(cells[(d, h)])) if cells.get((d, h)) else None
            for h in range(24)
        ]
        for d in range(7)
    ]
    measured = [t for t in targets if t.latest]
    top = sorted(measured, key=lambda t: t.latest.engagements, reverse=True)[:10]
    return Report(
        totals=totals,
        by_profile=dict(groups["p"]),
        by_platform=dict(groups["pl"]),
        by_bucket=dict(groups["b"]),
        by_type=dict(groups["t"]),
        top=top,
        heatmap=heatmap,
        targets=targets,
        no_metrics_channels=sorted(silent),
    )


def engagement_by_hour_of_week(*, profile_id: int, tz) -> dict[tuple[int, int], float]:
    """Mean engagement rate per (weekday, hour) of publishing: the input to adaptive scheduling."""
    cells: dict[tuple[int, int], list[float]] = defaultdict(list)
    snapshots = MetricSnapshot.objects.filter(
        target__profile_id=profile_id, window__in=("24h", "7d")
    ).select_related("target")
    best: dict[int, MetricSnapshot] = {}
    for snapshot in snapshots:  # one per target: its longest window
        current = best.get(snapshot.target_id)
        if current is None or WINDOW_ORDER[snapshot.window] > WINDOW_ORDER[current.window]:
            best[snapshot.target_id] = snapshot
    for snapshot in best.values():
        if snapshot.engagement_rate is None:
            continue
        local = snapshot.target.published_at.astimezone(tz)
        cells[(local.weekday(), local.hour)].append(snapshot.engagement_rate)
    return {cell: sum(rates) / len(rates) for cell, rates in cells.items()}


def temperature_suggestion(*, account: ClientAccount, since: datetime) -> tuple[str, str] | None:
    """cold / warm / hot from the last 30 days' engagement rate; None without enough data."""
    targets = [t for t in published_with_metrics(account=account, date_from=since) if t.latest]
    if len(targets) < 5:
        return None
    totals = Totals()
    for target in targets:
        totals.add(target.latest)
    rate = totals.engagement_rate or 0.0
    level = "cold" if rate < 0.01 else "warm" if rate < 0.03 else "hot"
    return level, f"{rate:.1%} engagement over {len(targets)} posts in the last 30 days"

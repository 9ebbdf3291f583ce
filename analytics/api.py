from datetime import datetime

from django.http import Http404
from ninja import Path, Router, Schema

from analytics.selectors import ad_eligible, bucket_weights
from publishing.selectors import post_for_account
from socialdist.api_types import MAX_ID, errors

router = Router(tags=["analytics"])


class BucketOut(Schema):
    bucket: str
    weight: float
    posts: int
    mean_engagement_rate: float


class WeightsOut(Schema):
    buckets: list[BucketOut]
    computed_at: datetime | None


class AdEligibleOut(Schema):
    target_id: int
    post_id: int
    platform: str
    score: float
    permalink: str
    published_at: datetime | None


class SnapshotOut(Schema):
    window: str
    collected_at: datetime
    reach: int | None
    views: int | None
    likes: int | None
    comments: int | None
    shares: int | None
    saves: int | None
    clicks: int | None
    engagements: int


class TargetMetricsOut(Schema):
    target_id: int
    platform: str
    score: float | None
    ad_eligible: bool
    snapshots: list[SnapshotOut]


class PostMetricsOut(Schema):
    post_id: int
    targets: list[TargetMetricsOut]


@router.get("/insights/weights", response={200: WeightsOut, **errors()})
def weights(request):
    """Content-bucket weights (sum 1), recomputed whenever a post's 7-day window closes."""
    rows = list(bucket_weights(account=request.account))
    return {"buckets": rows, "computed_at": max((r.computed_at for r in rows), default=None)}


@router.get("/insights/ad-eligible", response={200: list[AdEligibleOut], **errors()})
def ad_eligible_posts(request):
    return [
        {
            "target_id": s.target_id,
            "post_id": s.target.post_id,
            "platform": s.target.profile.platform,
            "score": s.score,
            "permalink": s.target.permalink,
            "published_at": s.target.published_at,
        }
        for s in ad_eligible(account=request.account)
    ]


@router.get("/posts/{post_id}/metrics", response={200: PostMetricsOut, **errors(404)})
def post_metrics(request, post_id: int = Path(..., ge=1, le=MAX_ID)):
    post = post_for_account(account=request.account, post_id=post_id)
    if post is None:
        raise Http404(f"No post {post_id} in this account.")
    targets = post.targets.select_related("profile", "score").prefetch_related("snapshots")
    return {
        "post_id": post.pk,
        "targets": [
            {
                "target_id": t.pk,
                "platform": t.profile.platform,
                "score": getattr(getattr(t, "score", None), "score", None),
                "ad_eligible": getattr(getattr(t, "score", None), "ad_eligible", False),
                "snapshots": sorted(t.snapshots.all(), key=lambda s: s.collected_at),
            }
            for t in targets
        ],
    }

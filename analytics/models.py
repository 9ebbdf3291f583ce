from django.db import models

from accounts.models import ClientAccount


class Window(models.TextChoices):
    H1 = "1h", "1 hour"
    H24 = "24h", "24 hours"
    D7 = "7d", "7 days"


WINDOW_DELAYS = {Window.H1: 3600, Window.H24: 24 * 3600, Window.D7: 7 * 24 * 3600}


class MetricCollection(models.Model):
    """A planned read of one target's metrics at 1 h, 24 h or 7 d after it was published."""

    target = models.ForeignKey(
        "publishing.PostTarget", on_delete=models.CASCADE, related_name="metric_collections"
    )
    window = models.CharField(max_length=3, choices=Window.choices)
    due_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    gave_up = models.BooleanField(default=False)
    claim = models.CharField(max_length=32, blank=True)  # which collect run holds it

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["target", "window"], name="unique_collection")
        ]
        indexes = [models.Index(fields=["done_at", "gave_up", "due_at"], name="collection_due_idx")]

    def __str__(self) -> str:
        return f"{self.window} metrics of target {self.target_id}"


class MetricSnapshot(models.Model):
    """What the platform reported at one collection; raw payload kept for later re-reading."""

    target = models.ForeignKey(
        "publishing.PostTarget", on_delete=models.CASCADE, related_name="snapshots"
    )
    window = models.CharField(max_length=3, choices=Window.choices)
    collected_at = models.DateTimeField()
    reach = models.PositiveBigIntegerField(null=True, blank=True)
    views = models.PositiveBigIntegerField(null=True, blank=True)
    likes = models.PositiveBigIntegerField(null=True, blank=True)
    comments = models.PositiveBigIntegerField(null=True, blank=True)
    shares = models.PositiveBigIntegerField(null=True, blank=True)
    saves = models.PositiveBigIntegerField(null=True, blank=True)
    clicks = models.PositiveBigIntegerField(null=True, blank=True)
    engagements = models.PositiveBigIntegerField(default=0)
    raw = models.JSONField(default=dict)

    class Meta:
        ordering = ["collected_at"]
        constraints = [models.UniqueConstraint(fields=["target", "window"], name="unique_snapshot")]

    def __str__(self) -> str:
        return f"{self.window} snapshot of target {self.target_id}"

    @property
    def engagement_rate(self) -> float | None:
        base = self.reach or self.views
        return self.engagements / base if base else None


class TargetScore(models.Model):
    """Organic score (0–10, normalised within the profile) once the 7-day window closes."""

    target = models.OneToOneField(
        "publishing.PostTarget", on_delete=models.CASCADE, related_name="score"
    )
    score = models.FloatField()
    ad_eligible = models.BooleanField(default=False, db_index=True)
    computed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"target {self.target_id}: {self.score:.1f}"


class BucketWeight(models.Model):
    """How well each content bucket performs in an account, for the content generator."""

    account = models.ForeignKey(
        ClientAccount, on_delete=models.CASCADE, related_name="bucket_weights"
    )
    bucket = models.CharField(max_length=100)
    weight = models.FloatField()
    posts = models.PositiveIntegerField()
    mean_engagement_rate = models.FloatField()
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "bucket"], name="unique_bucket_weight")
        ]

    def __str__(self) -> str:
        return f"{self.account}: {self.bucket or '(no bucket)'} {self.weight:.2f}"

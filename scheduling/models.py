from django.db import models

from accounts.models import ClientAccount
from channels.models import Profile


class Mode(models.TextChoices):
    AUTOMATIC = "automatic", "Automatic (best-practice windows)"
    CUSTOM = "custom", "Custom times"
    ADAPTIVE = "adaptive", "Adaptive (from your engagement)"
    MANUAL = "manual", "Manual (no slots)"


class Temperature(models.TextChoices):
    COLD = "cold", "Cold: 1 post a day per profile"
    WARM = "warm", "Warm: 2 posts a day per profile"
    HOT = "hot", "Hot: 3 posts a day per profile"


SLOTS_PER_DAY = {Temperature.COLD: 1, Temperature.WARM: 2, Temperature.HOT: 3}


class ScheduleSettings(models.Model):
    """How an account's posts get their times. The time zone is the account's own."""

    account = models.OneToOneField(
        ClientAccount, on_delete=models.CASCADE, related_name="schedule_settings"
    )
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.AUTOMATIC)
    temperature = models.CharField(
        max_length=4, choices=Temperature.choices, default=Temperature.COLD
    )
    horizon_days = models.PositiveSmallIntegerField(default=14)
    generation_mode = models.CharField(
        max_length=10,
        choices=[("manual", "Manual"), ("automatic", "Automatic (ask for content)")],
        default="manual",
    )

    class Meta:
        verbose_name_plural = "schedule settings"

    def __str__(self) -> str:
        return f"{self.account}: {self.mode}"


class ProfileSchedule(models.Model):
    """Per-profile choices: exact times for custom mode, and an optional daily cap."""

    profile = models.OneToOneField(Profile, on_delete=models.CASCADE, related_name="schedule")
    # {"0": ["09:00", "17:30"], …, "6": []} — weekday (Monday = 0) → local HH:MM times.
    custom_times = models.JSONField(default=dict, blank=True)
    daily_cap = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="At most this many posts a day (on top of platform caps)."
    )
    # Adaptive mode: {"0": ["18:00", …], …} learned from engagement, recomputed every 7 days.
    adaptive_times = models.JSONField(default=dict, blank=True)
    adaptive_computed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"schedule of {self.profile}"


class Slot(models.Model):
    """A publishing time reserved ahead on one profile; holds at most one target."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField()
    local_date = models.DateField()
    source = models.CharField(max_length=10, choices=Mode.choices)
    target = models.OneToOneField(
        "publishing.PostTarget",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="slot",
    )
    content_needed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "starts_at"], name="unique_slot_time")
        ]
        indexes = [models.Index(fields=["profile", "target", "starts_at"], name="slot_free_idx")]

    def __str__(self) -> str:
        return f"{self.profile} at {self.starts_at:%Y-%m-%d %H:%M}"

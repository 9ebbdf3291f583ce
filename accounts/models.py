import zoneinfo

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """Email is the login; there is no username."""

    username = None
    email = models.EmailField("email address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    def __str__(self) -> str:
        return self.email


class Organisation(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not an IANA time zone name such as Europe/London.")


class ClientAccount(models.Model):
    """A brand or workspace: the unit of tenancy. Every query a user makes is scoped to these."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="accounts"
    )
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    # The social publishing module is opt-in; only account admins may switch it on.
    publishing_enabled = models.BooleanField(default=False)
    approval_required = models.BooleanField(default=False)
    approval_digest = models.CharField(
        max_length=10,
        choices=[("immediate", "Immediately"), ("hourly", "Hourly"), ("daily", "Daily")],
        default="immediate",
    )
    approval_digest_hour = models.PositiveSmallIntegerField(
        default=9, help_text="Local hour (0–23) of the daily digest."
    )
    approval_link_days = models.PositiveSmallIntegerField(
        default=7, help_text="Days a reviewer's email link stays valid."
    )
    # UTM tags added to links at publish time; campaign = the post's bucket, else this value.
    utm_enabled = models.BooleanField(default=True)
    utm_campaign = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The account's time zone: every time a person reads is shown in it, its name shown."""
        return zoneinfo.ZoneInfo(self.timezone)


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MARKETER = "marketer", "Marketer"
    REVIEWER = "reviewer", "Reviewer"


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    account = models.ForeignKey(ClientAccount, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MARKETER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "account"], name="unique_membership"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.account} ({self.role})"


class ExternalReviewer(models.Model):
    """A client-side reviewer without a login: approves from signed email links only."""

    account = models.ForeignKey(
        ClientAccount, on_delete=models.CASCADE, related_name="external_reviewers"
    )
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "email"], name="unique_external_reviewer")
        ]

    def __str__(self) -> str:
        return self.email


class ApiToken(models.Model):
    """A Bearer token for the JSON API, bound to one client account. Only its hash is stored."""

    account = models.ForeignKey(ClientAccount, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, default="api")
    # What the token may do: marketers create and schedule; reviewers/admins may also approve.
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MARKETER)
    prefix = models.CharField(max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.account})"

import json
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import ClientAccount
from channels.fields import EncryptedTextField
from channels.providers import platform_choices

EXPIRING_WITHIN = timedelta(days=7)


class ConnectionStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    DISCONNECTED = "disconnected", "Disconnected"


class ChannelConnection(models.Model):
    """One OAuth grant (or API key) of a client account on a platform; tokens encrypted at rest."""

    account = models.ForeignKey(ClientAccount, on_delete=models.CASCADE, related_name="connections")
    platform = models.CharField(max_length=20, choices=platform_choices)
    # The platform's id of the person/app that granted access (e.g. the user behind an OAuth grant).
    external_user_id = models.CharField(max_length=100)
    display_name = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=20, choices=ConnectionStatus.choices, default=ConnectionStatus.ACTIVE
    )
    access_token = EncryptedTextField(blank=True)
    refresh_token = EncryptedTextField(blank=True)
    # Credentials platforms (blogs): the connect fields as JSON, encrypted like the tokens.
    credentials = EncryptedTextField(blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_expires_at = models.DateTimeField(null=True, blank=True)
    scopes = models.JSONField(default=list, blank=True)
    disconnected_reason = models.CharField(max_length=300, blank=True)
    # The one "expires in 3 days" email; cleared when the channel is reconnected.
    expiry_warned_at = models.DateTimeField(null=True, blank=True)
    last_refresh_error = models.CharField(max_length=300, blank=True)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "platform", "external_user_id"], name="unique_connection"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} · {self.display_name or self.external_user_id}"

    @property
    def renewable_until(self):
        """When access ends unless a person reconnects: the refresh token's end, else the token's."""
        return self.refresh_expires_at if self.refresh_token else self.token_expires_at

    @property
    def credential_values(self) -> dict[str, str]:
        return json.loads(self.credentials) if self.credentials else {}

    @property
    def is_sandbox(self) -> bool:
        """Its profiles were found in sandbox mode, on a local fake of the platform."""
        return any(p.is_sandbox for p in self.profiles.all())

    @property
    def health(self) -> str:
        """active | expiring (a person must reconnect within 7 days) | disconnected."""
        if self.status == ConnectionStatus.DISCONNECTED:
            return "disconnected"
        until = self.renewable_until
        if until and until - timezone.now() <= EXPIRING_WITHIN:
            return "expiring"
        return "active"


class Profile(models.Model):
    """A publishable page/account behind a connection (an IG business account, a Page, …)."""

    account = models.ForeignKey(ClientAccount, on_delete=models.CASCADE, related_name="profiles")
    connection = models.ForeignKey(
        ChannelConnection, on_delete=models.CASCADE, related_name="profiles"
    )
    platform = models.CharField(max_length=20, choices=platform_choices)
    external_id = models.CharField(max_length=100)
    name = models.CharField(max_length=200)
    username = models.CharField(max_length=200, blank=True)
    picture_url = models.URLField(max_length=1000, blank=True)
    # New targets on this profile take this mode: publish via the API, or post by hand.
    posting_mode = models.CharField(
        max_length=10,
        choices=[("automatic", "Publish automatically"), ("manual", "Post by hand")],
        default="automatic",
    )
    # A profile-level token where the platform has one (a Page token).
    access_token = EncryptedTextField(blank=True)
    # Platform-specific ids needed later (e.g. the Page behind an account).
    extra = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["platform", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "platform", "external_id"], name="unique_profile"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} · {self.name}"

    @property
    def is_sandbox(self) -> bool:
        """Connected in sandbox mode, to a local fake of its platform."""
        return bool(self.extra.get("sandbox"))

    @property
    def status(self) -> str:
        """active | expiring | disconnected, as the API reports it."""
        return self.connection.health

    @property
    def api_token(self) -> str:
        """The token to act as this profile: its own where the platform has one (a Page
        token), else its connection's."""
        return self.access_token or self.connection.access_token

    @property
    def api_credentials(self) -> dict[str, str]:
        """Credentials platforms (blogs): the connection's connect fields."""
        return self.connection.credential_values


class OAuthState(models.Model):
    """Server-side, single-use OAuth state: the callback completes the connection from this alone."""

    state = models.CharField(max_length=64, unique=True)
    account = models.ForeignKey(ClientAccount, on_delete=models.CASCADE, related_name="+")
    platform = models.CharField(max_length=20, choices=platform_choices)
    code_verifier = EncryptedTextField(blank=True)
    redirect_uri = models.URLField(max_length=500)
    # Set when a logged-in user started the flow in the app; the callback then checks it.
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE
    )
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.platform} connect state ({self.account_id})"

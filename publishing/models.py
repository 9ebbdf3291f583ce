import secrets

from django.conf import settings
from django.db import models

from accounts.models import ClientAccount
from channels.fields import EncryptedTextField
from channels.models import Profile
from channels.providers import platform_name, provider_class
from library.models import MediaAsset


class PostType(models.TextChoices):
    FEED = "feed", "Feed post"
    REEL = "reel", "Reel"
    STORY = "story", "Story"
    CAROUSEL = "carousel", "Carousel"
    VIDEO = "video", "Video"
    PHOTO_SLIDESHOW = "photo_slideshow", "Photo slideshow"
    ARTICLE = "article", "Article"
    DOCUMENT = "document", "Document (PDF)"
    THREAD = "thread", "Thread"
    SHORT = "short", "Short"
    PIN = "pin", "Pin"


class PostStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    APPROVED = "approved", "Approved"


class TargetStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SCHEDULED = "scheduled", "Scheduled"
    PUBLISHING = "publishing", "Publishing"
    PUBLISHED = "published", "Published"
    FAILED = "failed", "Failed"
    MANUAL = "manual", "Waiting to be posted by hand"
    SENT_TO_DRAFTS = "sent_to_drafts", "Sent to drafts"
    CANCELLED = "cancelled", "Cancelled"


class PostingMode(models.TextChoices):
    AUTOMATIC = "automatic", "Publish automatically"
    MANUAL = "manual", "Post by hand"


class Post(models.Model):
    """One creative; its PostTargets carry it to each profile."""

    account = models.ForeignKey(ClientAccount, on_delete=models.CASCADE, related_name="posts")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    caption = models.TextField(blank=True)
    post_type = models.CharField(max_length=20, choices=PostType.choices, default=PostType.FEED)
    bucket = models.CharField(max_length=100, blank=True, db_index=True)
    link = models.URLField(max_length=2000, blank=True)
    title = models.CharField(max_length=300, blank=True)
    # Posted as the first comment right after the post, where the platform takes one.
    first_comment = models.TextField(blank=True)
    # Per-platform choices for this post (e.g. a privacy_level); they win over the profile's
    # defaults in Profile.extra. Checked by each provider's validate_options.
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=20, choices=PostStatus.choices, default=PostStatus.DRAFT, db_index=True
    )
    # Bumped when caption or media change, so approvals bind to what the reviewer saw.
    version = models.PositiveIntegerField(default=1)
    # Who wrote the current version (Actor.identity): they cannot also approve it (four eyes).
    changed_by_key = models.CharField(max_length=100, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Post {self.pk}: {self.caption[:40]}"

    @property
    def thumbnail_url(self) -> str:
        """The first media item's small JPEG (PostMedia.preview_url) for the calendar and the
        queue, or ''. Lists prefetch `media` with its `asset` so this costs no query."""
        media = self.media.all()
        return media[0].preview_url if media else ""


class PostVersion(models.Model):
    """The post adapted for one network (`platform`) or one profile: what it overrides of the
    base. None / "" / {} inherit the base; a profile's version wins over its platform's."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="versions")
    platform = models.CharField(max_length=20)
    profile = models.ForeignKey(Profile, null=True, blank=True, on_delete=models.CASCADE)
    caption = models.TextField(null=True, blank=True)
    title = models.CharField(max_length=300, null=True, blank=True)
    post_type = models.CharField(max_length=20, choices=PostType.choices, blank=True)
    # Positions into the post's media, in the order this network shows them; None = all.
    media = models.JSONField(null=True, blank=True)
    first_comment = models.TextField(null=True, blank=True)
    # Over the post's options, over the profile's defaults.
    options = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["platform", "profile_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "platform"],
                condition=models.Q(profile__isnull=True),
                name="one_version_per_platform",
            ),
            models.UniqueConstraint(
                fields=["post", "profile"],
                condition=models.Q(profile__isnull=False),
                name="one_version_per_profile",
            ),
        ]

    def __str__(self) -> str:
        return f"Post {self.post_id} for {self.key}"

    @property
    def key(self) -> str:
        """How the API names it: the platform slug, or the profile id as a string."""
        return str(self.profile_id) if self.profile_id else self.platform


class MediaKind(models.TextChoices):
    IMAGE = "image", "Image"
    VIDEO = "video", "Video"


def media_upload_to(instance: "PostMedia", filename: str) -> str:
    """A random name with the extension of the sniffed type: never the uploader's name."""
    from publishing.media import MEDIA_TYPES

    extension = MEDIA_TYPES.get(instance.mime_type, ".bin")
    return f"posts/{instance.post.account_id}/{instance.post_id}/{secrets.token_hex(16)}{extension}"


class PostMedia(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="media")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=MediaKind.choices)
    # Either an external URL (API) or an uploaded file served from PUBLIC_BASE_URL/media/.
    url = models.URLField(max_length=2000, blank=True)
    file = models.FileField(upload_to=media_upload_to, blank=True)
    mime_type = models.CharField(max_length=100, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    size_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    duration_s = models.FloatField(null=True, blank=True)
    # A media library item (its probed facts and renditions); `file` then names its original.
    asset = models.ForeignKey(
        MediaAsset, null=True, blank=True, on_delete=models.SET_NULL, related_name="post_media"
    )

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.position + 1} of post {self.post_id}"

    @property
    def public_url(self) -> str:
        """Uploaded files: a signed, expiring URL (drafts are never public at a plain path)."""
        if self.file:
            from publishing.media import media_signed_url

            return media_signed_url(self.file.name)
        return self.url

    @property
    def preview_url(self) -> str:
        """A small JPEG for pages (a library item's thumbnail, a video's poster frame), or ''."""
        asset = self.asset if self.asset_id else None
        preview = asset and (asset.thumbnail or asset.poster)
        if not preview:
            return ""
        from publishing.media import media_signed_url

        return media_signed_url(preview.name)


class PostTarget(models.Model):
    """A post on one profile; moves through its own lifecycle (see DESIGN.md)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="targets")
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="targets")
    status = models.CharField(
        max_length=20, choices=TargetStatus.choices, default=TargetStatus.PENDING
    )
    posting_mode = models.CharField(
        max_length=10, choices=PostingMode.choices, default=PostingMode.AUTOMATIC
    )
    # The post type this target publishes as: the base's, or its network's version's (a reel on
    # one network and a video on another from one post). Reports and metric windows read it.
    post_type = models.CharField(max_length=20, choices=PostType.choices, blank=True)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True, db_index=True)
    error_code = models.CharField(max_length=100, blank=True)
    error_message = models.TextField(blank=True)
    platform_post_id = models.CharField(max_length=200, blank=True)
    permalink = models.URLField(max_length=1000, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # When the 24 h and 1 h pre-flight checks ran (channel connected, content still valid).
    precheck_24h_at = models.DateTimeField(null=True, blank=True)
    precheck_1h_at = models.DateTimeField(null=True, blank=True)
    # Intermediate platform ids (container id, publish id, …) checkpointed during publishing.
    platform_state = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["scheduled_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["post", "profile"], name="unique_target_per_profile")
        ]
        indexes = [
            models.Index(fields=["status", "scheduled_at"], name="target_due_idx"),
            models.Index(fields=["status", "next_attempt_at"], name="target_retry_idx"),
        ]

    def __str__(self) -> str:
        return f"Target {self.pk} ({self.status})"

    def save(self, *args, **kwargs):
        if not self.post_type:  # created without a version in mind: the post's own type
            self.post_type = self.post.post_type
        super().save(*args, **kwargs)

    @property
    def platform(self) -> str:
        return self.profile.platform

    @property
    def status_label(self) -> str:
        """The status as people read it, with what the platform is still doing."""
        network = self.profile.get_platform_display()
        if self.status == TargetStatus.PUBLISHING and self.platform_state.get("processing"):
            return f"{network} is processing"
        if self.status == TargetStatus.PUBLISHED and self.platform_state.get("id_pending"):
            return f"Published — waiting for {network}'s video id"
        if self.status == TargetStatus.FAILED and self.error_code == "unconfirmed":
            return "Not confirmed"
        if self.article_wait:
            return "Waiting for the article"
        return self.get_status_display()

    @property
    def article_wait(self) -> str:
        """Why this social target is held for its post's blog article ('' when it is not)."""
        if self.status not in (TargetStatus.PENDING, TargetStatus.SCHEDULED):
            return ""  # cheap first: most targets are past waiting
        if "_article_wait" not in self.__dict__:
            from publishing.articles import target_article_wait

            self.__dict__["_article_wait"] = target_article_wait(self)
        return self.__dict__["_article_wait"]

    @property
    def queue_status(self) -> str:
        """What the queue calls this target: a post nobody approved yet is its post's draft or
        awaiting approval, not a "pending" target."""
        if self.status == TargetStatus.PENDING and self.post.status != PostStatus.APPROVED:
            return self.post.status
        return self.status

    @property
    def queue_status_label(self) -> str:
        if self.queue_status != self.status:
            return self.post.get_status_display()
        return self.status_label

    @property
    def status_note(self) -> str:
        """Why a published post has no link, or what the platform is doing meanwhile; and what
        went wrong with its first comment."""
        note = self.platform_state.get("note") or self.platform_state.get("processing") or ""
        return " ".join(filter(None, [self.article_wait, note, self.first_comment_warning]))

    @property
    def first_comment_warning(self) -> str:
        """The post is out, but its first comment is not (yet): a sentence for a person."""
        return str(self.platform_state.get("first_comment_warning", ""))

    @property
    def first_comment_skipped(self) -> str:
        """Why the post's first comment is not sent to this target: its platform takes none."""
        provider = provider_class(self.profile.platform)
        if provider is None or provider.takes_first_comment or not self.first_comment.strip():
            return ""
        return f"{provider.name} takes no first comment; it is not sent here."

    @property
    def first_comment(self) -> str:
        """The first comment this target would post: its network's version's, else the post's."""
        text, mine = self.post.first_comment, None
        for version in self.post.versions.all():
            if version.profile_id == self.profile_id:
                mine = version
                break
            if version.profile_id is None and version.platform == self.profile.platform:
                mine = version
        if mine is not None and mine.first_comment is not None:
            text = mine.first_comment
        return text

    @property
    def publish_id(self) -> str:
        """The platform's id of the publishing job, before or beside the post's own id."""
        return str(self.platform_state.get("publish_id", ""))


class AuditEntry(models.Model):
    """One row per state transition of a post or target: who/what, from, to, when, why."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="audit")
    target = models.ForeignKey(
        PostTarget, null=True, blank=True, on_delete=models.CASCADE, related_name="audit"
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField(max_length=100, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.from_status or '-'} to {self.to_status} by {self.actor_label}"

    @property
    def subject(self) -> str:
        """What changed, as people name it: the profile on its platform, or the post itself."""
        if self.target_id is None:
            return "The post"
        profile = self.target.profile
        return f"{profile.name} on {platform_name(profile.platform)}"

    @staticmethod
    def _label(value: str) -> str:
        for choices in (TargetStatus, PostStatus):
            if value in choices.values:
                return str(choices(value).label)
        return value

    @property
    def from_label(self) -> str:
        return self._label(self.from_status) if self.from_status else ""

    @property
    def to_label(self) -> str:
        return self._label(self.to_status)


class PublishAttempt(models.Model):
    """Every call of a provider's publish for a target: when, how long, how it ended. No tokens."""

    target = models.ForeignKey(PostTarget, on_delete=models.CASCADE, related_name="attempt_log")
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    outcome = models.CharField(max_length=20)  # published | not_ready | transient | … | invalid
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error_code = models.CharField(max_length=100, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.outcome} at {self.started_at:%Y-%m-%d %H:%M:%S}"


class EventType(models.TextChoices):
    TARGET_PUBLISHED = "target.published"
    TARGET_FAILED = "target.failed"
    TARGET_UNCONFIRMED = "target.unconfirmed"
    CONNECTION_DISCONNECTED = "connection.disconnected"
    CONTENT_NEEDED = "content.needed"


class PublishEvent(models.Model):
    """A structured record of one publishing outcome; webhooks deliver these."""

    account = models.ForeignKey(ClientAccount, on_delete=models.CASCADE, related_name="events")
    event = models.CharField(max_length=40, choices=EventType.choices, db_index=True)
    target = models.ForeignKey(
        PostTarget, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.event} ({self.created_at:%Y-%m-%d %H:%M})"


class WebhookEndpoint(models.Model):
    """An account's receiver of signed event notifications."""

    account = models.ForeignKey(ClientAccount, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=1000)
    secret = EncryptedTextField()
    events = models.JSONField(default=list, help_text="Event names; empty = every event.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.url

    def wants(self, event: str) -> bool:
        return self.is_active and (not self.events or event in self.events)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class WebhookDelivery(models.Model):
    """One event to one endpoint, retried with backoff; the delivery log."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(PublishEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx")]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event.event} → {self.endpoint.url} ({self.status})"


class Heartbeat(models.Model):
    """When a periodic job last ran (the dispatcher), for the health endpoint and the admin."""

    name = models.CharField(max_length=50, unique=True)
    last_seen = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.last_seen:%Y-%m-%d %H:%M:%S}"


class PostComment(models.Model):
    """The review thread on a post: rejections and the conversation around them."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    author_label = models.CharField(max_length=254)
    body = models.TextField()
    is_rejection = models.BooleanField(default=False)
    post_version = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.author_label} on post {self.post_id}"


class ReviewLink(models.Model):
    """One reviewer's signed, single-use email link for one version of one post."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="review_links")
    post_version = models.PositiveIntegerField()
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE
    )
    reviewer_email = models.EmailField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_for = models.CharField(max_length=10, blank=True)  # approve | reject
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["reviewer_email", "created_at"], name="reviewlink_sent_idx")
        ]

    def __str__(self) -> str:
        return f"review of post {self.post_id} v{self.post_version} for {self.reviewer_email}"


class PostDeletion(models.Model):
    """The audit record of a deleted post; it outlives the post (and the post's audit rows)."""

    account = models.ForeignKey(ClientAccount, on_delete=models.CASCADE, related_name="deletions")
    post_ref = models.PositiveBigIntegerField(help_text="The deleted post's id.")
    caption = models.TextField(blank=True)
    # [{target, profile_id, profile, platform, status, scheduled_at}] as they were when deleted.
    targets = models.JSONField(default=list, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField(max_length=100, blank=True)
    deleted_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-deleted_at", "-pk"]

    def __str__(self) -> str:
        return f"post {self.post_ref} deleted by {self.actor_label}"

from django.contrib import admin

from publishing.lifecycle import post_delete, post_delete_refusal, post_lock_reason
from publishing.models import (
    AuditEntry,
    Post,
    PostDeletion,
    PostMedia,
    PostTarget,
    PublishAttempt,
    PublishEvent,
    WebhookDelivery,
    WebhookEndpoint,
)
from publishing.services import Actor, InvalidTransition, post_approve


def _locked(obj) -> bool:
    return obj is not None and obj.pk is not None and bool(post_lock_reason(obj))


class PostMediaInline(admin.TabularInline):
    model = PostMedia
    extra = 0

    # A post that may be live keeps its media (publishing/lifecycle.py).
    def has_add_permission(self, request, obj=None):
        return not _locked(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not _locked(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _locked(obj) and super().has_delete_permission(request, obj)


class PostTargetInline(admin.TabularInline):
    model = PostTarget
    extra = 0
    fields = ["profile", "status", "scheduled_at", "attempts", "next_attempt_at", "error_code"]
    readonly_fields = fields
    can_delete = False


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["pk", "account", "post_type", "status", "bucket", "created_at"]
    list_filter = ["status", "post_type", "account"]
    search_fields = ["caption", "bucket", "account__name"]
    date_hierarchy = "created_at"
    inlines = [PostMediaInline, PostTargetInline]
    actions = ["approve_selected"]
    CONTENT = ["caption", "post_type", "bucket", "link", "title", "first_comment", "options"]

    def get_readonly_fields(self, request, obj=None):
        """A post that may be live is locked here as everywhere (duplicate it instead)."""
        fields = list(super().get_readonly_fields(request, obj))
        if _locked(obj):
            fields += [f for f in self.CONTENT if f not in fields]
        return fields

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if _locked(obj):
            self.message_user(request, post_lock_reason(obj), level="warning")
        return super().change_view(request, object_id, form_url, extra_context)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and post_delete_refusal(obj):
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        post_delete(
            post=obj, actor=Actor(user=request.user, label=f"{request.user.email} in admin")
        )

    def delete_queryset(self, request, queryset):
        """Each through the service; one that may be live is kept and named."""
        actor = Actor(user=request.user, label=f"{request.user.email} in admin")
        for post in queryset:
            try:
                post_delete(post=post, actor=actor)
            except InvalidTransition as exc:
                self.message_user(request, str(exc), level="error")

    @admin.action(description="Approve selected posts awaiting approval")
    def approve_selected(self, request, queryset):
        approved = 0
        for post in queryset.filter(status="awaiting_approval").select_related("account"):
            try:
                post_approve(
                    post=post,
                    actor=Actor(user=request.user, label=f"{request.user.email} in admin"),
                )
                approved += 1
            except InvalidTransition:
                continue
        self.message_user(request, f"Approved {approved} post(s).")


class PublishAttemptInline(admin.TabularInline):
    model = PublishAttempt
    extra = 0
    fields = ["started_at", "duration_ms", "outcome", "http_status", "error_code", "message"]
    readonly_fields = fields
    can_delete = False


@admin.register(PostTarget)
class PostTargetAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "post",
        "profile",
        "status",
        "scheduled_at",
        "attempts",
        "next_attempt_at",
        "error_code",
        "published_at",
    ]
    list_filter = ["status", "profile__platform", "posting_mode"]
    search_fields = ["post__caption", "platform_post_id", "error_code", "profile__name"]
    date_hierarchy = "scheduled_at"
    list_select_related = ["post", "profile"]
    # State changes go through services (audited); the admin shows them, it does not edit them.
    readonly_fields = [
        "post",
        "profile",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "error_code",
        "error_message",
        "platform_post_id",
        "permalink",
        "published_at",
        "platform_state",
    ]
    exclude = ["claim_token"]
    inlines = [PublishAttemptInline]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "post", "target", "from_status", "to_status", "actor_label"]
    list_filter = ["to_status"]
    search_fields = ["actor_label", "reason"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]


@admin.register(PostDeletion)
class PostDeletionAdmin(admin.ModelAdmin):
    list_display = ["deleted_at", "post_ref", "account", "actor_label"]
    list_filter = ["account"]
    search_fields = ["caption", "actor_label"]
    readonly_fields = [f.name for f in PostDeletion._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(PublishEvent)
class PublishEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "event", "account", "target"]
    list_filter = ["event", "account"]
    search_fields = ["account__name"]
    readonly_fields = ["account", "event", "target", "payload", "created_at"]


class WebhookDeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    extra = 0
    fields = ["event", "status", "attempts", "last_status_code", "last_error", "next_attempt_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    # The signing secret is shown once in the app when created, never here.
    list_display = ["url", "account", "is_active", "created_at"]
    list_filter = ["is_active", "account"]
    search_fields = ["url", "account__name"]
    fields = ["account", "url", "events", "is_active", "created_at"]
    readonly_fields = ["account", "created_at"]
    inlines = [WebhookDeliveryInline]

    def has_add_permission(self, request):
        return False  # created from the account settings page, which shows the secret once


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "endpoint", "event", "status", "attempts", "last_status_code"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

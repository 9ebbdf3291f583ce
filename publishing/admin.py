from django.contrib import admin

from publishing.models import (
    AuditEntry,
    Post,
    PostMedia,
    PostTarget,
    PublishAttempt,
    PublishEvent,
    WebhookDelivery,
    WebhookEndpoint,
)
from publishing.services import Actor, InvalidTransition, post_approve


class PostMediaInline(admin.TabularInline):
    model = PostMedia
    extra = 0


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

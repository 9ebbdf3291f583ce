from django.contrib import admin

from channels.models import ChannelConnection, Profile


class ProfileInline(admin.TabularInline):
    model = Profile
    extra = 0
    fields = ["platform", "name", "username", "external_id"]
    readonly_fields = fields


@admin.register(ChannelConnection)
class ChannelConnectionAdmin(admin.ModelAdmin):
    # Tokens are never shown: not listed, not in the form, not searchable.
    list_display = ["__str__", "account", "platform", "status", "token_expires_at", "updated_at"]
    list_filter = ["platform", "status"]
    search_fields = ["display_name", "external_user_id", "account__name"]
    fields = [
        "account",
        "platform",
        "external_user_id",
        "display_name",
        "status",
        "disconnected_reason",
        "token_expires_at",
        "scopes",
        "connected_by",
        "created_at",
        "updated_at",
    ]
    readonly_fields = [f for f in fields if f not in ("status", "disconnected_reason")]
    inlines = [ProfileInline]

    def has_add_permission(self, request):
        return False  # connections come from OAuth, never typed in


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "username", "platform", "account", "connection"]
    list_filter = ["platform"]
    search_fields = ["name", "username", "external_id", "account__name"]
    readonly_fields = ["connection", "external_id", "extra"]
    exclude = ["access_token"]  # the Page token is never shown or edited here

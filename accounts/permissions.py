"""Who may do what in a client account: the role table, in one place (README "Roles")."""

from enum import StrEnum

from accounts.models import Role


class Can(StrEnum):
    VIEW = "view"  # every page of the account, reports, exports
    COMMENT = "comment"  # the review thread
    COMPOSE = "compose"  # new posts, drafts, duplicates; editing (four eyes still applies)
    DECIDE = "decide"  # approve or reject a version someone else wrote
    # retry, cancel, restore, reschedule (one or in bulk), mark as posted, delete
    MANAGE_POSTS = "manage_posts"
    MANAGE_CHANNELS = "manage_channels"  # connect, reconnect, disconnect
    MANAGE_SETTINGS = "manage_settings"  # publishing, approval, UTM, webhooks, schedule
    MANAGE_MEDIA = "manage_media"  # upload to the media library, edit alt text, delete media


ROLE_PERMISSIONS: dict[str, frozenset[Can]] = {
    Role.ADMIN: frozenset(Can),
    Role.MARKETER: frozenset(Can) - {Can.DECIDE, Can.MANAGE_SETTINGS},
    Role.REVIEWER: frozenset({Can.VIEW, Can.COMMENT, Can.COMPOSE, Can.DECIDE}),
}


def role_may(role: str | None, permission: Can) -> bool:
    return permission in ROLE_PERMISSIONS.get(role or "", frozenset())

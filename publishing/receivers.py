from django.dispatch import receiver

from channels.signals import connection_activated, connection_deactivated
from library.signals import asset_delete_check, asset_file_kept
from publishing.events import event_emit
from publishing.models import EventType
from publishing.selectors import asset_file_referenced, asset_use_refusal
from publishing.targets import targets_hold_for_connection, targets_release_held


@receiver(connection_activated)
def release_held_targets(sender, connection, **kwargs) -> int:
    return targets_release_held(connection=connection)


@receiver(connection_deactivated)
def hold_targets(sender, connection, **kwargs) -> int:
    held = targets_hold_for_connection(connection=connection)
    event_emit(
        account=connection.account,
        event=EventType.CONNECTION_DISCONNECTED,
        payload={
            "connection_id": connection.pk,
            "platform": connection.platform,
            "reason": connection.disconnected_reason,
            "profile_ids": list(connection.profiles.values_list("pk", flat=True)),
            "held_targets": held,
        },
    )
    return held


@receiver(asset_delete_check)
def refuse_deleting_media_in_use(sender, asset, **kwargs) -> str | None:
    return asset_use_refusal(asset=asset)


@receiver(asset_file_kept)
def keep_published_media(sender, asset, **kwargs) -> bool:
    return asset_file_referenced(asset=asset)

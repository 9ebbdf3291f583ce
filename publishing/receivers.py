from django.dispatch import receiver

from channels.signals import connection_activated, connection_deactivated
from publishing.events import event_emit
from publishing.models import EventType
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

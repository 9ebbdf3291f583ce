from django.dispatch import receiver

from channels.signals import connection_activated
from publishing.services import targets_release_held


@receiver(connection_activated)
def release_held_targets(sender, connection, **kwargs) -> int:
    return targets_release_held(connection=connection)

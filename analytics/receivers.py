from django.dispatch import receiver

from analytics.services import collections_register
from publishing.signals import target_published


@receiver(target_published)
def register_collections(sender, target, since=None, **kwargs) -> None:
    collections_register(target=target, since=since)

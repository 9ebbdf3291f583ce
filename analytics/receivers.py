from django.dispatch import receiver

from analytics.services import collections_register
from publishing.signals import target_published


@receiver(target_published)
def register_collections(sender, target, **kwargs) -> None:
    collections_register(target=target)

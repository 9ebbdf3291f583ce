"""Scheduling listens to publishing (it builds on it; publishing never imports scheduling)."""

from django.dispatch import receiver

from publishing.signals import post_approved, target_slot_released
from scheduling.services import slot_free, targets_attach


@receiver(post_approved)
def attach_approved_targets(sender, post, **kwargs) -> None:
    targets_attach(target_ids=list(post.targets.values_list("pk", flat=True)))


@receiver(target_slot_released)
def free_slot(sender, target, **kwargs) -> bool:
    return slot_free(target=target)

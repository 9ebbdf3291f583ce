from celery import shared_task

from publishing.dispatch import target_publish, targets_claim_due


@shared_task(name="publishing.process_due", ignore_result=True)
def process_due() -> int:
    """Every minute: claim what is due and hand each target to a worker of its own."""
    claimed = targets_claim_due()
    for target_id in claimed:
        publish_target.delay(target_id)
    return len(claimed)


@shared_task(name="publishing.publish_target", ignore_result=True)
def publish_target(target_id: int) -> str:
    return target_publish(target_id=target_id)

from celery import shared_task

from publishing.approval import digests_send
from publishing.dispatch import (
    articles_gone_live,
    claims_take,
    dispatcher_tick,
    target_publish,
)
from publishing.events import deliveries_send_due, delivery_send
from publishing.models import TargetStatus
from publishing.notifications import targets_precheck


@shared_task(name="publishing.process_due", ignore_result=True)
def process_due() -> int:
    """Every minute: claim what is due and hand each target to a worker of its own."""
    dispatcher_tick()
    token, claimed = claims_take()
    for target_id in claimed:
        publish_target.delay(target_id, token)
    return len(claimed)


@shared_task(name="publishing.publish_target", ignore_result=True)
def publish_target(target_id: int, claim_token: str | None = None) -> str:
    outcome = target_publish(target_id=target_id, claim_token=claim_token)
    posts = articles_gone_live([target_id]) if outcome == TargetStatus.PUBLISHED else []
    if posts:  # an article went live: the social posts waiting for it go now, not next tick
        token, claimed = claims_take(posts=posts)
        for dependent_id in claimed:
            publish_target.delay(dependent_id, token)
    return outcome


@shared_task(name="publishing.deliver_webhook", ignore_result=True)
def deliver_webhook(delivery_id: int) -> str:
    return delivery_send(delivery_id=delivery_id)


@shared_task(name="publishing.deliver_webhooks", ignore_result=True)
def deliver_webhooks() -> int:
    """Every minute: retries whose time has come, and any delivery whose enqueue was lost."""
    return deliveries_send_due()


@shared_task(name="publishing.check_upcoming", ignore_result=True)
def check_upcoming() -> int:
    """Every 10 minutes: warn authors of posts due in 24 h / 1 h that will not go out as they are."""
    return targets_precheck()


@shared_task(name="publishing.send_digests", ignore_result=True)
def send_digests() -> int:
    return digests_send()

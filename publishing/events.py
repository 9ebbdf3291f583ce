"""Publish events and the signed outbound webhooks that deliver them.

Signature: header `X-Socialdist-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`,
so receivers can verify the sender and reject replays older than a few minutes.
"""

import hashlib
import hmac
import json
import logging
import secrets
import time
from datetime import timedelta

import requests
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from accounts.models import ClientAccount
from channels.http import USER_AGENT
from publishing.models import (
    DeliveryStatus,
    EventType,
    PostTarget,
    PublishEvent,
    WebhookDelivery,
    WebhookEndpoint,
)
from publishing.webhook_urls import UnsafeWebhookURL, webhook_destination, webhook_post
from socialdist.leases import row_claim
from socialdist.retries import RetrySchedule

logger = logging.getLogger("socialdist.webhooks")

# After the first try: 1 min, 5 min, 25 min, 2 h, 12 h; then the delivery is marked failed.
DELIVERY_RETRIES = RetrySchedule.of(
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=25),
    timedelta(hours=2),
    timedelta(hours=12),
)
DELIVERY_LEASE = timedelta(minutes=10)
DELIVERY_TIMEOUT = (5, 10)


def target_payload(target: PostTarget) -> dict:
    return {
        "target_id": target.pk,
        "post_id": target.post_id,
        "profile_id": target.profile_id,
        "platform": target.profile.platform,
        "status": target.status,
        "scheduled_at": target.scheduled_at,
        "attempts": target.attempts,
        "platform_post_id": target.platform_post_id,
        "permalink": target.permalink,
        "published_at": target.published_at,
        "error_code": target.error_code,
        "error_message": target.error_message,
    }


def event_emit(*, account: ClientAccount, event: str, payload: dict, target=None) -> PublishEvent:
    """Record the event and queue one delivery per interested endpoint (sent after commit)."""
    assert event in EventType.values, event
    body = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    row = PublishEvent.objects.create(account=account, event=event, target=target, payload=body)
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint=endpoint, event=row, next_attempt_at=timezone.now())
        for endpoint in WebhookEndpoint.objects.filter(account=account, is_active=True)
        if endpoint.wants(event)
    )
    if deliveries:
        from publishing.tasks import deliver_webhook

        ids = [d.pk for d in deliveries]
        transaction.on_commit(lambda: [deliver_webhook.delay(pk) for pk in ids])
    return row


def target_event(*, target: PostTarget, event: str) -> PublishEvent:
    return event_emit(
        account=target.post.account, event=event, payload=target_payload(target), target=target
    )


def webhook_create(*, account: ClientAccount, url: str, events: list[str]) -> WebhookEndpoint:
    unknown = sorted(set(events) - set(EventType.values))
    if unknown:
        raise ValueError(
            f"events: unknown {', '.join(unknown)}; use {', '.join(EventType.values)}."
        )
    try:
        webhook_destination(url)  # checked again before every delivery: DNS answers change
    except UnsafeWebhookURL as exc:
        raise ValueError(f"url: {exc}") from None
    return WebhookEndpoint.objects.create(
        account=account, url=url, events=events, secret="whsec_" + secrets.token_urlsafe(24)
    )


def sign(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def delivery_send(*, delivery_id: int) -> str:
    """Send one delivery now; on failure schedule the next try or give up. Returns the status."""
    now = timezone.now()
    # Claim by moving next_attempt_at: two workers never send the same try.
    claimed = row_claim(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now),
        pk=delivery_id,
        write={"next_attempt_at": now + DELIVERY_LEASE},
    )
    delivery = WebhookDelivery.objects.select_related("endpoint", "event").get(pk=delivery_id)
    if not claimed:
        return delivery.status
    event = delivery.event
    body = json.dumps(
        {
            "id": event.pk,
            "event": event.event,
            "created_at": event.created_at.isoformat(),
            "account": event.account.slug,
            "data": event.payload,
        },
        separators=(",", ":"),
    ).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Socialdist-Event": event.event,
        "X-Socialdist-Delivery": str(delivery.pk),
        "X-Socialdist-Signature": sign(delivery.endpoint.secret, body, int(time.time())),
    }
    status_code, error = None, ""
    try:
        destination = webhook_destination(delivery.endpoint.url)
        response = webhook_post(destination, data=body, headers=headers, timeout=DELIVERY_TIMEOUT)
        status_code = response.status_code
        if 300 <= status_code < 400:
            error = f"HTTP {status_code}: redirects are not followed; use the final URL."
        elif not 200 <= status_code < 300:
            error = f"HTTP {status_code}: {response.text[:200]}"
    except UnsafeWebhookURL as exc:
        error = f"Not sent: {exc}"  # a failed try: retried on the normal schedule
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]

    delivery.attempts += 1
    delivery.last_status_code = status_code
    delivery.last_error = error[:500]
    if not error:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
            DeliveryStatus.DELIVERED,
            timezone.now(),
            None,
        )
    elif DELIVERY_RETRIES.exhausted(delivery.attempts):
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
    else:
        delivery.next_attempt_at = timezone.now() + DELIVERY_RETRIES.wait(delivery.attempts)
    delivery.save()
    if error:
        logger.warning("webhook %s to %s: %s", delivery.pk, delivery.endpoint.url, error)
    return delivery.status


def deliveries_send_due(*, limit: int = 200) -> int:
    """The periodic sweep: every pending delivery whose time has come (lost enqueues included)."""
    due = WebhookDelivery.objects.filter(
        status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now()
    ).values_list("pk", flat=True)[:limit]
    return sum(1 for pk in list(due) if delivery_send(delivery_id=pk))

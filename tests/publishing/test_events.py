import hashlib
import hmac
import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from publishing.dispatch import dispatch_due
from publishing.events import deliveries_send_due, webhook_create
from publishing.models import PublishEvent, WebhookDelivery
from tests.factories import MediaFactory, TargetFactory
from tests.fakes.instagram import meta_error
from tests.fakes.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def target(fake_instagram, account):
    fake_instagram.tokens.add("tok")
    target = TargetFactory(
        post__account=account,
        profile__connection__account=account,
        profile__external_id="1784140001",
        profile__connection__access_token="tok",
    )
    MediaFactory(post=target.post)
    return target


def verify(secret: str, request) -> dict:
    header = dict(
        part.split("=", 1) for part in request.headers["x-socialdist-signature"].split(",")
    )
    expected = hmac.new(
        secret.encode(), header["t"].encode() + b"." + request.body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(expected, header["v1"])
    return json.loads(request.body)


def test_published_event_is_recorded_and_delivered_signed(
    target, account, receiver, django_capture_on_commit_callbacks
):
    hook = webhook_create(account=account, url=receiver.url + "/hook", events=[])
    with django_capture_on_commit_callbacks() as callbacks:
        dispatch_due()
    assert len(callbacks) == 1  # the delivery is queued for a worker once the row is committed
    event = PublishEvent.objects.get()
    assert event.event == "target.published"
    assert event.payload["permalink"].startswith("https://www.instagram.com/p/")

    assert deliveries_send_due() == 1
    (request,) = receiver.requests
    assert request.headers["x-socialdist-event"] == "target.published"
    body = verify(hook.secret, request)
    assert body["event"] == "target.published" and body["account"] == account.slug
    assert body["data"]["target_id"] == target.pk
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)


def test_failed_and_disconnected_events(target, account, fake_instagram):
    fake_instagram.fail(
        meta_error(36001, "Unsupported image format", subcode=2207005), path="/media"
    )
    dispatch_due()
    other = TargetFactory(post__account=account, profile=target.profile)
    MediaFactory(post=other.post)
    fake_instagram.expire_tokens()
    dispatch_due()
    events = list(PublishEvent.objects.order_by("pk").values_list("event", flat=True))
    assert events == ["target.failed", "connection.disconnected"]
    failed = PublishEvent.objects.get(event="target.failed").payload
    assert (failed["error_code"], failed["status"]) == ("36001/2207005", "failed")


def test_subscriptions_filter_events(target, account, receiver):
    webhook_create(account=account, url=receiver.url, events=["target.failed"])
    dispatch_due()
    assert not WebhookDelivery.objects.exists()


def test_failing_receiver_is_retried_with_backoff_then_given_up(target, account, receiver):
    receiver.status = 500
    webhook_create(account=account, url=receiver.url, events=[])
    dispatch_due()
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        waits = []
        for _ in range(6):
            deliveries_send_due()
            delivery = WebhookDelivery.objects.get()
            if delivery.next_attempt_at:
                waits.append(delivery.next_attempt_at - timezone.now())
                clock.shift(delivery.next_attempt_at - timezone.now())
    assert waits == [
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=25),
        timedelta(hours=2),
        timedelta(hours=12),
    ]
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 6, 500)
    assert "HTTP 500" in delivery.last_error
    assert len(receiver.requests) == 6


def test_unreachable_receiver_is_recorded(target, account):
    webhook_create(account=account, url="http://127.0.0.1:9/nothing", events=[])
    dispatch_due()
    deliveries_send_due()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and "ConnectionError" in delivery.last_error


def test_bad_webhook_input_names_the_field(account):
    with pytest.raises(ValueError, match="events: unknown target.exploded"):
        webhook_create(account=account, url="https://x.example", events=["target.exploded"])
    with pytest.raises(ValueError, match="url: use an http"):
        webhook_create(account=account, url="ftp://x.example", events=[])


def test_admins_add_webhooks_in_settings_and_see_the_secret_once(
    owner_client, outsider_client, account
):
    url = f"/a/{account.slug}/settings/"
    response = owner_client.post(
        url,
        {"action": "add_webhook", "url": "https://hooks.example/s", "events": ["target.failed"]},
        follow=True,
    )
    hook = account.webhooks.get()
    assert hook.secret.encode() in response.content
    assert hook.events == ["target.failed"]
    assert hook.secret.encode() not in owner_client.get(url).content
    assert (
        outsider_client.post(url, {"action": "add_webhook", "url": "https://e.example"}).status_code
        == 404
    )

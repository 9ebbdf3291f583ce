import hashlib
import hmac
import json
from datetime import timedelta

import pytest
import time_machine
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest
from django.test import Client
from django.utils import timezone

from publishing.dispatch import dispatch_due
from publishing.events import deliveries_send_due, webhook_create
from publishing.models import PublishEvent, WebhookDelivery
from tests.factories import MediaFactory, MembershipFactory, TargetFactory, UserFactory
from tests.fakes.dns import FakeDNS
from tests.fakes.instagram import meta_error
from tests.fakes.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def allow_private(settings):
    """The local receiver is http://127.0.0.1:…: loopback needs WEBHOOK_ALLOW_PRIVATE, plain
    http needs DEBUG (pytest-django turns DEBUG off)."""
    settings.WEBHOOK_ALLOW_PRIVATE = True
    settings.DEBUG = True


@pytest.fixture
def receiver(allow_private):
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


def test_unreachable_receiver_is_recorded(target, account, allow_private):
    webhook_create(account=account, url="http://127.0.0.1:9/nothing", events=[])
    dispatch_due()
    deliveries_send_due()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and "ConnectionError" in delivery.last_error


def test_bad_webhook_input_names_the_field(account):
    with pytest.raises(ValueError, match="events: unknown target.exploded"):
        webhook_create(account=account, url="https://x.example", events=["target.exploded"])
    with pytest.raises(ValueError, match="url: use an https:// URL"):
        webhook_create(account=account, url="ftp://x.example", events=[])


def _message_texts(response) -> list[str]:
    """Every message the response sets in the messages cookie, decoded."""
    cookie = response.cookies.get("messages")
    if not cookie or not cookie.value:
        return []
    return [m.message for m in CookieStorage(HttpRequest())._decode(cookie.value) or []]


def test_admins_add_webhooks_in_settings_and_see_the_secret_once(
    owner_client, outsider_client, account, monkeypatch
):
    FakeDNS().install(monkeypatch).answer("hooks.example", "93.184.215.14")
    url = f"/a/{account.slug}/settings/"
    response = owner_client.post(
        url,
        {"action": "add_webhook", "url": "https://hooks.example/s", "events": ["target.failed"]},
    )
    hook = account.webhooks.get()
    assert hook.events == ["target.failed"]
    # Nothing on the way to the browser carries the secret: no cookie, no message.
    assert response.status_code == 302
    assert all(hook.secret not in morsel.value for morsel in response.cookies.values())
    texts = _message_texts(response)
    assert texts and not any(hook.secret in text for text in texts)
    assert texts == ["Webhook added. Copy its signing secret below now."]
    assert hook.secret not in str(dict(owner_client.session))

    shown = owner_client.get(url)
    assert hook.secret.encode() in shown.content
    assert b"Copy it now: it is shown only once." in shown.content
    assert "no-store" in shown["Cache-Control"]
    assert all(hook.secret not in morsel.value for morsel in shown.cookies.values())
    assert hook.secret.encode() not in owner_client.get(url).content
    assert (
        outsider_client.post(url, {"action": "add_webhook", "url": "https://e.example"}).status_code
        == 404
    )


def test_only_account_admins_add_webhooks(account):
    marketer = UserFactory()
    MembershipFactory(user=marketer, account=account, role="marketer")
    client = Client()
    client.force_login(marketer)
    response = client.post(
        f"/a/{account.slug}/settings/", {"action": "add_webhook", "url": "https://e.example"}
    )
    assert response.status_code == 403 and not account.webhooks.exists()

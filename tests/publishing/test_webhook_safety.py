"""Webhooks reach only public addresses: checked when saved and again at every delivery."""

import datetime as dt
import ssl
from datetime import timedelta

import pytest
import time_machine
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.utils import timezone

from publishing.events import deliveries_send_due, event_emit, webhook_create
from publishing.models import WebhookDelivery, WebhookEndpoint
from tests.fakes.dns import FakeDNS
from tests.fakes.server import Response
from tests.fakes.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.django_db

PUBLIC = "93.184.215.14"
ONLY_PUBLIC = "webhooks can only go to public internet addresses"
HINT = "(set WEBHOOK_ALLOW_PRIVATE=1 to allow private targets)"


@pytest.fixture
def dns(monkeypatch) -> FakeDNS:
    dns = FakeDNS().install(monkeypatch)
    dns.answer("hooks.example", PUBLIC)
    dns.answer("intranet.example", "10.0.0.5")
    dns.answer("mixed.example", PUBLIC, "127.0.0.1")
    dns.answer("ula.example", "fd00::1")
    dns.answer("metadata.example", "169.254.169.254")
    return dns


@pytest.fixture
def debug(settings):
    settings.DEBUG = True  # plain http:// is only for DEBUG; the local receiver speaks http


@pytest.fixture
def receiver():
    server = WebhookReceiver().start()
    yield server
    server.stop()


def port_of(server) -> int:
    return int(server.url.rsplit(":", 1)[1])


REFUSED = [
    # (url, what the message says after "url: ")
    ("http://127.0.0.1/", f"127.0.0.1 is a loopback address; {ONLY_PUBLIC} {HINT}."),
    ("https://localhost/", "localhost resolves to 127.0.0.1, a loopback address"),
    ("https://10.0.0.5/", f"10.0.0.5 is a private address; {ONLY_PUBLIC} {HINT}."),
    ("https://172.16.3.4/", "172.16.3.4 is a private address"),
    ("https://192.168.1.1:8443/x", "192.168.1.1 is a private address"),
    ("https://100.64.0.1/", "100.64.0.1 is a shared (carrier-grade NAT) address"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
    ("https://224.0.0.1/", "224.0.0.1 is a multicast address"),
    ("https://0.0.0.0/", "0.0.0.0 is an unspecified address"),
    ("https://240.0.0.1/", "240.0.0.1 is a reserved address"),
    ("https://[::1]/", "::1 is a loopback address"),
    ("https://[::]/", "is an unspecified address"),
    ("https://[fc00::1]/", "fc00::1 is a private address"),
    ("https://[fd12:3456::1]/", "fd12:3456::1 is a private address"),
    ("https://[fe80::1]/", "fe80::1 is a link-local address"),
    ("https://[ff02::1]/", "ff02::1 is a multicast address"),
    ("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1 is a loopback address"),
    ("https://[::ffff:a00:5]/", "::ffff:a00:5 is a private address"),
    ("https://[64:ff9b::7f00:1]/", "64:ff9b::7f00:1 is a loopback address"),
    ("https://[2002:a00:5::]/", "2002:a00:5:: is a private address"),
    ("http://2130706433/", "2130706433 means 127.0.0.1, a loopback address"),
    ("http://0177.0.0.1/", "0177.0.0.1 means 127.0.0.1, a loopback address"),
    ("http://0x7f.1/", "0x7f.1 means 127.0.0.1, a loopback address"),
    ("http://0x7F000001/", "0x7f000001 means 127.0.0.1, a loopback address"),
    ("http://127.1/", "127.1 means 127.0.0.1, a loopback address"),
    ("http://10.1/", "10.1 means 10.0.0.1, a private address"),
    ("http://127.0.0.1./", "127.0.0.1. means 127.0.0.1, a loopback address"),
    ("http://0/", "0 means 0.0.0.0, an unspecified address"),
    ("http://1.2.3.256/", "1.2.3.256 is not a valid IP address; check the URL's host."),
    ("http://08.0.0.1/", "08.0.0.1 is not a valid IP address"),
    (
        "https://intranet.example/hook",
        f"intranet.example resolves to 10.0.0.5, a private address; {ONLY_PUBLIC} {HINT}.",
    ),
    ("https://mixed.example/hook", "mixed.example resolves to 127.0.0.1, a loopback address"),
    ("https://ula.example/hook", "ula.example resolves to fd00::1, a private address"),
    (
        "https://metadata.example/",
        f"metadata.example resolves to 169.254.169.254, a link-local address (where cloud metadata services live); {ONLY_PUBLIC}.",
    ),
    ("https://nowhere.invalid/", "the host nowhere.invalid could not be resolved"),
    ("https://user:pass@hooks.example/", "remove the user:password@ part"),
    ("https://token@hooks.example/", "remove the user:password@ part"),
    ("https://hooks.example/" + "a" * 1000, "the URL is 1,022 characters long; use at most 1,000."),
    (
        "ftp://hooks.example/",
        "use an https:// URL (plain http:// is accepted only when DEBUG is on).",
    ),
    ("javascript:alert(1)", "use an https:// URL"),
    ("", "use an https:// URL"),
    ("https:///path", "the URL has no host"),
    ("https://[::1/", "the URL is not valid (Invalid IPv6 URL); check it."),
    ("https://hooks.example:0/", "the URL's port is not a number from 1 to 65535."),
    ("https://hooks.example:99999/", "the URL's port is not a number from 1 to 65535."),
    ("https://hooks.example\\@127.0.0.1/", "must not contain spaces, control characters or '\\'"),
    ("https://hooks.example /", "must not contain spaces"),
]


@pytest.mark.parametrize(("url", "message"), REFUSED)
def test_unsafe_urls_are_refused_when_saved(account, dns, debug, url, message):
    with pytest.raises(ValueError) as refused:
        webhook_create(account=account, url=url, events=[])
    assert str(refused.value).startswith("url: ")
    assert message in str(refused.value)
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example/hooks/socialdist",
        "https://hooks.example:8443/x?y=1",
        "https://8.8.8.8/",
        "https://134744072/",  # 8.8.8.8 spelled as one number is still a public address
        "https://[2606:4700::1111]/",
        "http://hooks.example/",  # DEBUG is on
    ],
)
def test_public_urls_are_saved(account, dns, debug, url):
    assert webhook_create(account=account, url=url, events=[]).url == url


def test_plain_http_needs_debug(account, dns, settings):
    settings.DEBUG = False
    with pytest.raises(ValueError, match=r"url: use an https:// URL \(plain http://"):
        webhook_create(account=account, url="http://hooks.example/", events=[])
    assert webhook_create(account=account, url="https://hooks.example/", events=[])


def test_allow_private_lets_self_hosters_reach_private_and_loopback_only(account, dns, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    for url in ("https://10.0.0.5/", "https://127.0.0.1:8080/", "https://intranet.example/"):
        webhook_create(account=account, url=url, events=[])
    # The switch does not open link-local (cloud metadata), multicast or unspecified addresses,
    # and the message does not suggest it would.
    for url in ("https://169.254.169.254/", "https://metadata.example/", "https://224.0.0.1/"):
        with pytest.raises(ValueError, match=ONLY_PUBLIC) as refused:
            webhook_create(account=account, url=url, events=[])
        assert "WEBHOOK_ALLOW_PRIVATE" not in str(refused.value)
    assert WebhookEndpoint.objects.count() == 3


def test_settings_page_shows_the_refusal(owner_client, account, dns):
    response = owner_client.post(
        f"/a/{account.slug}/settings/",
        {"action": "add_webhook", "url": "https://intranet.example/hook"},
        follow=True,
    )
    assert response.status_code == 200
    assert b"intranet.example resolves to 10.0.0.5, a private address" in response.content
    assert not account.webhooks.exists()


def _queue_one_delivery(account) -> WebhookDelivery:
    event_emit(account=account, event="target.published", payload={"target_id": 1})
    return WebhookDelivery.objects.get()


def test_delivery_is_refused_when_dns_turns_private_after_saving(account, dns, debug, receiver):
    port = port_of(receiver)
    dns.answer("hooks.test", PUBLIC)
    webhook_create(account=account, url=f"http://hooks.test:{port}/hook", events=[])
    dns.answer("hooks.test", "127.0.0.1")  # now points at the receiver on loopback
    _queue_one_delivery(account)

    now = timezone.now()
    with time_machine.travel(now, tick=False):
        deliveries_send_due()
    delivery = WebhookDelivery.objects.get()
    assert receiver.requests == []
    assert delivery.last_error == (
        f"Not sent: hooks.test resolves to 127.0.0.1, a loopback address; {ONLY_PUBLIC} {HINT}."
    )
    # A failed try like any other: the normal retry schedule, no status code.
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, None)
    assert delivery.next_attempt_at == now + timedelta(minutes=1)


def test_delivery_connects_to_the_address_it_checked(account, dns, debug, receiver, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    port = port_of(receiver)
    dns.answer("hooks.test", "127.0.0.1")
    webhook_create(account=account, url=f"http://hooks.test:{port}/hook", events=[])
    _queue_one_delivery(account)
    # Rebinding: after the delivery's check, the name answers an address where nothing listens.
    dns.answer("hooks.test", "127.0.0.1", then="127.0.0.2")
    deliveries_send_due()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_error) == ("delivered", "")
    (request,) = receiver.requests
    assert request.headers["host"] == f"hooks.test:{port}"
    assert dns.lookups.count("hooks.test") == 2  # once when saved, once before sending


def test_redirects_are_not_followed(account, debug, receiver, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    receiver.fail(Response(302, None, {"Location": receiver.url + "/elsewhere"}))
    webhook_create(account=account, url=receiver.url + "/hook", events=[])
    _queue_one_delivery(account)
    deliveries_send_due()
    delivery = WebhookDelivery.objects.get()
    assert [r.path for r in receiver.requests] == ["/hook"]
    assert (delivery.status, delivery.last_status_code) == ("pending", 302)
    assert delivery.last_error.startswith("HTTP 302: redirects are not followed")


def _tls_files(tmp_path, name: str) -> tuple[str, str, str]:
    """A CA and a certificate for `name` signed by it: (ca.pem, cert.pem, key.pem)."""
    now = dt.datetime.now(dt.UTC)

    def cert(subject, issuer, key, signer, *, ca: bool, san=None):
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if san:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = cert("test CA", "test CA", ca_key, ca_key, ca=True)
    leaf = cert(name, "test CA", key, ca_key, ca=False, san=name)
    paths = [tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"]
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return tuple(str(p) for p in paths)


def test_https_to_the_checked_address_still_verifies_the_host_name(
    account, dns, settings, tmp_path, monkeypatch
):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    ca, cert, key = _tls_files(tmp_path, "hooks.test")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = WebhookReceiver().start(ssl_context=context)
    try:
        port = port_of(server)
        dns.answer("hooks.test", "127.0.0.1")
        dns.answer("impostor.test", "127.0.0.1")
        webhook_create(account=account, url=f"https://hooks.test:{port}/hook", events=[])
        webhook_create(account=account, url=f"https://impostor.test:{port}/hook", events=[])
        event_emit(account=account, event="target.published", payload={"target_id": 1})
        deliveries_send_due()
    finally:
        server.stop()
    good = WebhookDelivery.objects.get(endpoint__url__contains="hooks.test")
    bad = WebhookDelivery.objects.get(endpoint__url__contains="impostor.test")
    assert (good.status, good.last_status_code, good.last_error) == ("delivered", 200, "")
    # The certificate is for hooks.test: connecting by address does not skip that check.
    assert bad.status == "pending" and bad.last_error.startswith("SSLError")
    assert len(server.requests) == 1

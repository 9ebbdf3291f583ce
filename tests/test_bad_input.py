"""The inputs an outside sweep got 500s with: each is now a 4xx naming the field, nothing written.

The fuzz tests (test_api_fuzz.py, test_form_fuzz.py) look for more of the same; these pin the
known cases down one by one.
"""

import base64
import hashlib
import hmac
import json

import pytest

from channels.models import ChannelConnection
from publishing.models import Post
from tests.factories import ConnectionFactory, ProfileFactory, TargetFactory

pytestmark = pytest.mark.django_db

BIG = 2**64


@pytest.fixture
def profile(account):
    return ProfileFactory(connection__account=account, platform="facebook")


def post_body(profile, **fields) -> dict:
    return {"caption": "Hi", "targets": [profile.pk], **fields}


# Text PostgreSQL cannot store --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"caption": "a\x00b"}, "caption: contains a NUL character; remove it."),
        ({"x": ["\ud800"]}, "x[0]: contains an invalid character (a lone surrogate)"),
        ({"bucket": "x", "b\x00": 1}, "b?: contains a NUL character; remove it."),
        (
            {"media": [{"url": "https://a.example/\x00.jpg", "kind": "image"}]},
            "media[0].url: contains a NUL character; remove it.",
        ),
    ],
)
def test_unstorable_text_in_json_is_a_400_naming_the_field(api, profile, fields, message):
    response = api.post("/posts", post_body(profile, **fields))
    assert response.status_code == 400
    assert response.json()["detail"].startswith(message)
    assert not Post.objects.exists()


def test_a_lone_surrogate_in_a_text_field_is_a_422_naming_it(api, profile):
    response = api.post("/posts", post_body(profile, title="\ud800"))
    assert response.status_code == 422
    assert response.json() == {
        "detail": {
            "title": ["Contains an invalid character (a lone surrogate); send valid UTF-8 text."]
        }
    }
    assert not Post.objects.exists()


def test_nul_in_a_query_filter_is_a_400(api):
    response = api.get("/posts", bucket="a\x00b")
    assert response.status_code == 400
    assert response.json() == {"detail": "bucket: contains a NUL character; remove it."}


# Dates and times ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2030-01-01T09:00:00+16:00", "Use a UTC offset between -15:59 and +15:59."),
        ("2030-01-01T09:00:00-23:59", "Use a UTC offset between -15:59 and +15:59."),
        ("9999-12-31T23:59:59+00:00", "Pick a date between 2000 and 2100."),
        ("0001-01-01T00:00:00+00:00", "Pick a date between 2000 and 2100."),
        ("2030-01-01T09:00:00", "Add a UTC offset, e.g. 2030-01-31T09:00:00+01:00."),
    ],
)
def test_unusable_datetimes_are_a_422_naming_the_field(api, account, profile, value, message):
    response = api.post("/posts", post_body(profile, scheduled_at=value))
    assert response.status_code == 422
    assert response.json() == {"detail": {"scheduled_at": [message]}}
    assert not Post.objects.exists()

    target = TargetFactory(post__account=account, profile=profile, status="failed")
    response = api.post(f"/targets/{target.pk}/reschedule", {"scheduled_at": value})
    assert response.status_code == 422
    assert response.json() == {"detail": {"scheduled_at": [message]}}

    for path in ("/posts", "/slots"):
        response = api.get(path, **{"from": value})
        assert response.status_code == 422
        assert response.json() == {"detail": {"from": [message]}}


# Integers beyond 64 bits, strings beyond their column --------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "params", "field"),
    [
        ("get", "/posts", {"limit": BIG}, "limit"),
        ("get", "/posts", {"offset": BIG}, "offset"),
        ("get", "/posts", {"limit": 0}, "limit"),
        ("get", f"/posts/{BIG}", {}, "post_id"),
        ("get", f"/posts/{BIG}/metrics", {}, "post_id"),
        ("get", "/slots", {"profile": BIG}, "profile"),
        ("post", f"/targets/{BIG}/retry", {}, "target_id"),
        ("post", f"/posts/{BIG}/approve", {}, "post_id"),
    ],
)
def test_out_of_range_integers_are_a_422_naming_the_field(api, method, path, params, field):
    response = api.get(path, **params) if method == "get" else api.post(path, params)
    assert response.status_code == 422, response.content
    assert list(response.json()["detail"]) == [field]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"targets": [BIG]}, "targets[0]"),
        ({"link": "https://example.com/" + "a" * 2000}, "link"),
        (
            {"media": [{"url": "https://example.com/" + "a" * 2000, "kind": "image"}]},
            "media[0].url",
        ),
        ({"title": "t" * 301}, "title"),
        ({"bucket": "b" * 101}, "bucket"),
    ],
)
def test_too_big_values_are_a_422_naming_the_field(api, profile, fields, field):
    response = api.post("/posts", post_body(profile, **fields))
    assert response.status_code == 422, response.content
    assert list(response.json()["detail"]) == [field]
    assert not Post.objects.exists()


def test_a_too_long_permalink_is_refused(api, account):
    target = TargetFactory(post__account=account, status="manual", posting_mode="manual")
    response = api.post(
        f"/targets/{target.pk}/mark-posted", {"permalink": "https://x.example/" + "p" * 1000}
    )
    assert response.status_code == 422
    assert list(response.json()["detail"]) == ["permalink"]


def test_schema_errors_name_the_field_like_our_own_400s(api, profile):
    response = api.post("/posts", {"caption": 5, "targets": "nope", "media": [{"kind": "gif"}]})
    assert response.status_code == 422
    assert response.json() == {
        "detail": {
            "caption": ["Input should be a valid string"],
            "targets": ["Input should be a valid list"],
            "media[0].kind": ["Input should be 'image' or 'video'"],
        }
    }


def test_every_operation_documents_its_errors(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            documented = set(operation["responses"])
            assert {"400", "401", "422"} <= documented, (method, path, documented)
            if "{" in path:
                assert "404" in documented, (method, path, documented)


# Meta's unauthenticated deauthorize callback -----------------------------------------------------

SECRET = "meta-app-secret"


def signed(payload, secret: str = SECRET) -> str:
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    sig = hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(sig).rstrip(b"=").decode() + "." + body


@pytest.fixture
def meta_app(settings):
    creds = {"client_id": "meta-app", "client_secret": SECRET}
    settings.PLATFORM_CREDENTIALS = {
        **settings.PLATFORM_CREDENTIALS, "instagram": creds, "facebook": creds,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("signed_request", "message"),
    [
        (signed(["not", "an", "object"]), "signed_request is malformed: its payload must be"),
        (signed({"algorithm": 256, "user_id": "1"}), "signed_request uses an unknown algorithm."),
        (signed({"algorithm": None, "user_id": "1"}), "signed_request uses an unknown algorithm."),
        (signed({"algorithm": "HMAC-SHA256"}), "signed_request has no user_id."),
        (signed({"algorithm": "HMAC-SHA256", "user_id": {"a": 1}}), "signed_request has no user"),
        (signed({"algorithm": "HMAC-SHA256", "user_id": "1\x002"}), "signed_request has an inv"),
        (signed({"algorithm": "HMAC-SHA256", "user_id": "9" * 101}), "signed_request has an inv"),
        ("sig." + "W" * 50_000, "signed_request is malformed."),
        ("é.é", "signed_request is malformed."),
        ("nodot", "signed_request is malformed."),
    ],
    ids=[
        "payload-not-an-object",
        "algorithm-a-number",
        "algorithm-null",
        "no-user-id",
        "user-id-an-object",
        "user-id-with-nul",
        "user-id-too-long",
        "not-base64-json",
        "not-ascii",
        "no-dot",
    ],  # fmt: skip
)
def test_a_malformed_signed_request_is_a_400(client, meta_app, signed_request, message):
    connection = ConnectionFactory(platform="facebook", external_user_id="1")
    response = client.post("/channels/meta/deauthorize/", {"signed_request": signed_request})
    assert response.status_code == 400
    assert response.json()["detail"].startswith(message)
    assert ChannelConnection.objects.get(pk=connection.pk).status == "active"


def test_a_deeply_nested_signed_request_is_a_400(client, meta_app):
    nested = "[" * 100_000 + "]" * 100_000
    body = base64.urlsafe_b64encode(nested.encode()).rstrip(b"=").decode()
    response = client.post("/channels/meta/deauthorize/", {"signed_request": "c2ln." + body})
    assert response.status_code == 400


def test_nul_in_signed_request_is_a_400(client):
    response = client.post("/channels/meta/deauthorize/", {"signed_request": "a\x00.b"})
    assert response.status_code == 400
    assert b"signed_request: contains a NUL character" in response.content

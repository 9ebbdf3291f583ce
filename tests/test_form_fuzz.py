"""Every HTML form and filter, fed hostile values field by field, as the account admin.

Each request must get an answer below 500, and a request the app refuses (a 4xx, an error
message, or the form shown again with errors) must leave the database exactly as it was.
Values that can never be stored (a NUL, a lone surrogate) must always be refused.
"""

from datetime import timedelta
from urllib.parse import quote_plus

import pytest
from django.apps import apps
from django.contrib.messages import constants, get_messages
from django.db import transaction
from django.utils import timezone

from channels.models import OAuthState
from publishing.approval import Reviewer, review_link_create
from publishing.models import PostingMode, PostStatus, TargetStatus
from scheduling.services import schedule_settings
from tests.factories import MediaFactory, PostFactory, ProfileFactory, TargetFactory

pytestmark = pytest.mark.django_db

NUL = "a\x00b"
SURROGATE = "\ud800"  # sent as the bytes ED A0 80: not UTF-8, so Django reads U+FFFD
HOSTILE = [
    NUL,
    SURROGATE,
    "x" * 1_000_000,
    str(2**70),
    "-1",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "9999-12-31",
    "0001-01-01",
    "javascript:alert(1)",
]
APPS = ("accounts", "channels", "publishing", "scheduling", "analytics")
# An OAuth callback uses up its single-use state even when it then fails: by design.
NOT_COMPARED = {"channels.OAuthState"}


def _encode(data: dict[str, str | list[str]]) -> str:
    """A form body, byte-exact: lone surrogates become the invalid bytes a client could send."""
    pairs = []
    for key, values in data.items():
        for value in values if isinstance(values, list) else [values]:
            raw = value.encode("utf-8", "surrogatepass")
            pairs.append(f"{quote_plus(key)}={quote_plus(raw)}")
    return "&".join(pairs)


def _snapshot() -> dict:
    """Every row of the app's own tables, so a refused request can be shown to change nothing."""
    return {
        model._meta.label: sorted(map(repr, model.objects.values_list()))
        for app in APPS
        for model in apps.get_app_config(app).get_models()
        if model._meta.label not in NOT_COMPARED
    }


def _refused(response) -> bool:
    if response.status_code >= 400:
        return True
    if any(m.level >= constants.ERROR for m in get_messages(response.wsgi_request)):
        return True
    if response.streaming:
        return False
    return response.status_code == 200 and b"errorlist" in response.content


@pytest.fixture
def world(account, owner_client):
    """An account with the rows every form acts on: profiles, posts in each state, targets."""
    ig = ProfileFactory(connection__account=account)
    fb = ProfileFactory(connection__account=account, platform="facebook")
    draft = PostFactory(account=account, status=PostStatus.DRAFT)
    waiting = PostFactory(account=account, status=PostStatus.AWAITING_APPROVAL)
    MediaFactory(post=waiting)
    failed = TargetFactory(post=draft, profile=ig, status=TargetStatus.FAILED)
    manual = TargetFactory(
        post=waiting, profile=fb, status=TargetStatus.MANUAL, posting_mode=PostingMode.MANUAL
    )
    _, token = review_link_create(post=waiting, reviewer=Reviewer("boss@example.com"))
    schedule_settings(account)  # created on first use: not a change a refused form made
    OAuthState.objects.create(
        state="s" * 40, account=account, platform="instagram", redirect_uri="https://x.example/",
        expires_at=timezone.now() + timedelta(minutes=10),
    )  # fmt: skip
    return {
        "slug": account.slug,
        "ig": ig,
        "fb": fb,
        "draft": draft,
        "waiting": waiting,
        "failed": failed,
        "manual": manual,
        "token": token,
    }


def _forms(w) -> list[tuple[str, str, dict]]:
    """(method, url, a plausible request) for every form and filter in the URL conf."""
    a = f"/a/{w['slug']}"
    future = (timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    day = (timezone.now() + timedelta(days=3)).date().isoformat()
    return [
        ("post", "/accounts/login/", {"login": "owner@example.com", "password": "nope"}),
        ("post", f"{a}/posts/new/", {
            "caption": "Hello", "title": "T", "post_type": "feed", "profiles": str(w["fb"].pk),
            "bucket": "tips", "when": "time", "scheduled_at": future,
        }),
        ("post", f"{a}/posts/check/", {
            "caption": "Hello", "post_type": "feed", "profiles": str(w["fb"].pk), "title": "T",
        }),
        ("post", f"{a}/posts/{w['draft'].pk}/edit/", {"caption": "Edited"}),
        ("post", f"{a}/posts/{w['draft'].pk}/comment/", {"body": "A comment"}),
        ("post", f"{a}/posts/{w['waiting'].pk}/reject/", {"comment": "Change it"}),
        ("post", f"{a}/posts/{w['draft'].pk}/submit/", {}),
        ("post", f"{a}/queue/", {
            "target": [str(w["failed"].pk)], "action": "reschedule", "when": future,
        }),
        ("post", f"{a}/queue/", {"retry_one": str(w["failed"].pk), "action": "retry"}),
        ("post", f"{a}/queue/", {
            "target": [str(w["failed"].pk)], "action": "cancel", "confirmed": "1",
        }),
        ("get", f"{a}/queue/", {
            "status": "failed", "platform": "instagram", "profile": str(w["ig"].pk),
            "bucket": "tips", "start": day, "end": day, "page": "1",
        }),
        ("post", f"{a}/calendar/move/", {
            "target": str(w["failed"].pk), "date": day, "time": "09:00",
        }),
        ("get", f"{a}/calendar/", {
            "view": "week", "date": day, "profile": str(w["ig"].pk), "platform": "instagram",
            "status": "scheduled", "bucket": "tips",
        }),
        ("post", f"{a}/targets/{w['manual'].pk}/mark-posted/", {
            "permalink": "https://www.facebook.com/p/1", "from": "queue",
        }),
        ("post", f"{a}/settings/", {"publishing_enabled": "on"}),
        ("post", f"{a}/settings/", {
            "action": "utm", "utm_enabled": "on", "utm_campaign": "spring",
        }),
        ("post", f"{a}/settings/", {
            "action": "approval", "approval_required": "on", "approval_digest": "daily",
            "approval_digest_hour": "9", "approval_link_days": "7",
            "add_reviewer": "rev@example.com", "remove_reviewer": "1",
        }),
        ("post", f"{a}/settings/", {
            "action": "add_webhook", "url": "https://hooks.example.com/x",
            "events": "target.published",
        }),
        ("post", f"{a}/schedule/", {
            "timezone": "Europe/London", "mode": "automatic", "temperature": "cold",
            "horizon_days": "14", "generation_mode": "manual",
            f"times-{w['ig'].pk}-0": "09:00, 17:30", f"cap-{w['ig'].pk}": "3",
        }),
        ("post", f"{a}/approvals/", {"post": [str(w["waiting"].pk)]}),
        ("get", f"{a}/reports/", {"start": day, "end": day}),
        ("get", f"{a}/reports/metrics.csv", {"start": day, "end": day}),
        ("get", "/", {"a": w["slug"]}),
        ("post", f"/review/{w['token']}/", {"action": "reject", "comment": "Not yet"}),
        ("get", "/channels/callback/instagram/", {"state": "s" * 40, "code": "c"}),
        ("post", "/channels/meta/deauthorize/", {"signed_request": "abc.def"}),
    ]  # fmt: skip


def _send(client, method: str, url: str, data: dict):
    body = _encode(data)
    client.cookies.pop("messages", None)  # judge each answer by its own messages only
    # A savepoint per request: a crash inside PostgreSQL must not poison the next requests.
    with transaction.atomic():
        if method == "get":
            response = client.get(f"{url}?{body}")
        else:
            response = client.post(url, body, content_type="application/x-www-form-urlencoded")
        if response.status_code >= 500:
            transaction.set_rollback(True)
    return response


def test_every_form_field_survives_hostile_values(world, owner_client):
    owner_client.raise_request_exception = False  # a crash is a 500 to report, not a test error
    failures = []
    before = _snapshot()
    for method, url, base in _forms(world):
        for field in base:
            for value in HOSTILE:
                data = {**base, field: [value] if isinstance(base[field], list) else value}
                response = _send(owner_client, method, url, data)
                after = _snapshot()
                label = f"{method.upper()} {url} {field}={value[:30]!r}"
                if response.status_code >= 500:
                    failures.append(f"{label}: {response.status_code}")
                if value == NUL and not _refused(response):
                    failures.append(f"{label}: accepted text PostgreSQL cannot store")
                if (value == NUL or _refused(response)) and after != before:
                    failures.append(f"{label}: refused, but the database changed")
                before = after
    assert not failures, "\n".join(failures)


def test_nul_in_a_form_is_a_400_naming_the_field(world, owner_client):
    response = _send(owner_client, "post", f"/a/{world['slug']}/posts/{world['draft'].pk}/comment/",
                     {"body": NUL})  # fmt: skip
    assert response.status_code == 400
    assert response.content.decode() == "body: contains a NUL character; remove it."


def test_nul_in_oauth_state_is_a_400_not_a_500(client, world):
    response = client.get("/channels/callback/instagram/", {"state": NUL, "code": "c"})
    assert response.status_code == 400
    assert b"state: contains a NUL character" in response.content

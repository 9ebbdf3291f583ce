"""The role table (README "Roles"), tested as a table, and four eyes on approvals (issue 11,
item 12)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.services import api_token_create
from channels.models import ChannelConnection
from publishing.models import Post, PostTarget
from tests.factories import (
    MembershipFactory,
    PostFactory,
    ProfileFactory,
    TargetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(account):
    profile = ProfileFactory(connection__account=account, name="Acme IG")
    target = TargetFactory(
        post__account=account, profile=profile, scheduled_at=timezone.now() + timedelta(days=2)
    )
    manual = TargetFactory(post__account=account, profile=profile, status="manual")
    cancelled = TargetFactory(post__account=account, profile=profile, status="cancelled")
    deletable = TargetFactory(post__account=account, profile=profile, status="pending").post
    return {"profile": profile, "target": target, "manual": manual, "cancelled": cancelled,
            "deletable": deletable}  # fmt: skip


def member(account, role: str) -> Client:
    client = Client()
    if role == "outsider":
        user = UserFactory()
        MembershipFactory(user=user)  # a member of some other account
    else:
        user = UserFactory()
        MembershipFactory(user=user, account=account, role=role)
    client.force_login(user)
    return client


def do(action: str, client: Client, account, world):
    base = f"/a/{account.slug}"
    target, connection = world["target"], world["profile"].connection
    day = (timezone.now() + timedelta(days=3)).date().isoformat()
    return {
        "connect": lambda: client.post(f"{base}/channels/connect/instagram/"),
        "disconnect": lambda: client.post(
            f"{base}/channels/{connection.pk}/disconnect/", {"confirmed": "1"}
        ),
        "disconnect_ask": lambda: client.get(f"{base}/channels/{connection.pk}/disconnect/"),
        "bulk_cancel": lambda: client.post(
            f"{base}/queue/", {"action": "cancel", "target": [target.pk], "confirmed": "1"}
        ),
        "bulk_cancel_ask": lambda: client.post(
            f"{base}/queue/", {"action": "cancel", "target": [target.pk]}
        ),
        "duplicate": lambda: client.post(f"{base}/posts/{target.post_id}/duplicate/"),
        "delete_ask": lambda: client.get(f"{base}/posts/{world['deletable'].pk}/delete/"),
        "delete": lambda: client.post(f"{base}/posts/{world['deletable'].pk}/delete/"),
        "restore": lambda: client.post(f"{base}/targets/{world['cancelled'].pk}/restore/"),
        "mark_posted": lambda: client.post(
            f"{base}/targets/{world['manual'].pk}/mark-posted/", {"permalink": ""}
        ),
        "calendar_move": lambda: client.post(
            f"{base}/calendar/move/", {"target": target.pk, "date": day, "time": "10:00"}
        ),
        "settings": lambda: client.post(f"{base}/settings/", {"action": "utm"}),
    }[action]()


def changed(action: str, world) -> bool:
    target = PostTarget.objects.get(pk=world["target"].pk)
    return {
        "connect": lambda: False,  # no credentials here: refused before leaving the app
        "disconnect": lambda: (
            ChannelConnection.objects.get(pk=world["profile"].connection_id).status
            == "disconnected"
        ),
        "disconnect_ask": lambda: (
            ChannelConnection.objects.get(pk=world["profile"].connection_id).status
            == "disconnected"
        ),
        "bulk_cancel": lambda: target.status == "cancelled",
        "bulk_cancel_ask": lambda: target.status == "cancelled",
        "duplicate": lambda: Post.objects.filter(audit__reason__startswith="duplicated").exists(),
        "delete_ask": lambda: not Post.objects.filter(pk=world["deletable"].pk).exists(),
        "delete": lambda: not Post.objects.filter(pk=world["deletable"].pk).exists(),
        "restore": lambda: PostTarget.objects.get(pk=world["cancelled"].pk).status == "pending",
        "mark_posted": lambda: PostTarget.objects.get(pk=world["manual"].pk).status == "published",
        "calendar_move": lambda: target.scheduled_at != world["target"].scheduled_at,
        "settings": lambda: False,
    }[action]()


# action → the status each role gets (outsiders never learn the account exists).
ROLE_TABLE = {
    "connect": {"admin": 302, "marketer": 302, "reviewer": 403, "outsider": 404},
    "disconnect": {"admin": 302, "marketer": 302, "reviewer": 403, "outsider": 404},
    "disconnect_ask": {"admin": 200, "marketer": 200, "reviewer": 403, "outsider": 404},
    "bulk_cancel": {"admin": 302, "marketer": 302, "reviewer": 403, "outsider": 404},
    "bulk_cancel_ask": {"admin": 200, "marketer": 200, "reviewer": 403, "outsider": 404},
    # Duplicating is composing; deleting and restoring are managing posts.
    "duplicate": {"admin": 302, "marketer": 302, "reviewer": 302, "outsider": 404},
    "delete_ask": {"admin": 200, "marketer": 200, "reviewer": 403, "outsider": 404},
    "delete": {"admin": 302, "marketer": 302, "reviewer": 403, "outsider": 404},
    "restore": {"admin": 302, "marketer": 302, "reviewer": 403, "outsider": 404},
    "mark_posted": {"admin": 302, "marketer": 302, "reviewer": 403, "outsider": 404},
    "calendar_move": {"admin": 200, "marketer": 200, "reviewer": 403, "outsider": 404},
    "settings": {"admin": 302, "marketer": 403, "reviewer": 403, "outsider": 404},
}
ASKS = {"disconnect_ask", "bulk_cancel_ask", "delete_ask"}  # confirmation pages change nothing
ACTS = {"disconnect", "bulk_cancel", "mark_posted", "calendar_move", "duplicate", "delete",
        "restore"}  # fmt: skip
CASES = [(action, role, code) for action, row in ROLE_TABLE.items() for role, code in row.items()]


@pytest.mark.parametrize(("action", "role", "expected"), CASES)
def test_role_table(account, world, action, role, expected):
    response = do(action, member(account, role), account, world)
    assert response.status_code == expected, response.content[:300]
    if expected in (403, 404) or action in ASKS:
        assert not changed(action, world)
    elif action in ACTS:
        assert changed(action, world)


@pytest.mark.parametrize(
    ("role", "expected"), [("admin", 200), ("marketer", 200), ("reviewer", 403)]
)
def test_api_tokens_follow_the_same_table(account, world, role, expected):
    api = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(account=account, role=role)[1]}")
    response = api.post(f"/api/v1/targets/{world['target'].pk}/cancel")
    assert response.status_code == expected
    assert (PostTarget.objects.get(pk=world["target"].pk).status == "cancelled") is (
        expected == 200
    )


@pytest.fixture
def awaiting(account, world):
    account.approval_required = True
    account.save()
    post = PostFactory(account=account, status="awaiting_approval", caption="Launch day!")
    TargetFactory(post=post, profile=world["profile"], status="pending", scheduled_at=None)
    return post


def test_a_reviewer_who_edits_a_caption_cannot_approve_that_edit(account, awaiting):
    editor, second = member(account, "reviewer"), member(account, "reviewer")
    base = f"/a/{account.slug}/posts/{awaiting.pk}"
    assert editor.post(f"{base}/edit/", {"caption": "Launch day, fixed"}).status_code == 302
    page = editor.post(f"{base}/approve/", follow=True).content.decode()
    assert "You made the latest change to this post (version 2)" in page
    assert Post.objects.get(pk=awaiting.pk).status == "awaiting_approval"

    second.post(f"{base}/approve/")
    post = Post.objects.get(pk=awaiting.pk)
    assert (post.status, post.version) == ("approved", 2)


def test_the_author_cannot_approve_their_own_post_through_the_api(account, world):
    account.approval_required = True
    account.save()
    admin = Client(
        HTTP_AUTHORIZATION=f"Bearer {api_token_create(account=account, role='admin')[1]}"
    )
    body = admin.post(
        "/api/v1/posts",
        {"caption": "Hi", "media": [{"url": "https://cdn.example.com/a.jpg", "kind": "image"}],
         "targets": [world["profile"].pk]},
        content_type="application/json",
    ).json()  # fmt: skip
    assert body["status"] == "awaiting_approval"
    denied = admin.post(f"/api/v1/posts/{body['id']}/approve")
    assert denied.status_code == 409 and "another reviewer" in denied.json()["detail"]
    other = Client(
        HTTP_AUTHORIZATION=f"Bearer {api_token_create(account=account, role='reviewer')[1]}"
    )
    assert other.post(f"/api/v1/posts/{body['id']}/approve").json()["status"] == "approved"


def test_an_email_link_does_not_let_the_editor_approve_their_edit(account, awaiting):
    from publishing.approval import Reviewer, review_link_create

    editor = UserFactory(email="editor@client.example")
    MembershipFactory(user=editor, account=account, role="reviewer")
    client = Client()
    client.force_login(editor)
    client.post(f"/a/{account.slug}/posts/{awaiting.pk}/edit/", {"caption": "Edited by me"})
    post = Post.objects.get(pk=awaiting.pk)
    link, token = review_link_create(post=post, reviewer=Reviewer(editor.email, editor))
    response = Client().post(f"/review/{token}/", {"action": "approve"})
    assert response.status_code == 410 and b"You made the latest change" in response.content
    link.refresh_from_db()
    assert link.used_at is None and Post.objects.get(pk=awaiting.pk).status == "awaiting_approval"


@pytest.mark.parametrize(
    ("role", "duplicate", "manage"),
    [("admin", 201, True), ("marketer", 201, True), ("reviewer", 201, False)],
)
def test_api_tokens_duplicate_delete_and_restore_by_the_table(
    account, world, role, duplicate, manage
):
    api = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(account=account, role=role)[1]}")
    assert api.post(f"/api/v1/posts/{world['target'].post_id}/duplicate").status_code == duplicate
    restored = api.post(f"/api/v1/targets/{world['cancelled'].pk}/restore")
    assert restored.status_code == (200 if manage else 403)
    deleted = api.delete(f"/api/v1/posts/{world['deletable'].pk}")
    assert deleted.status_code == (204 if manage else 403)
    assert Post.objects.filter(pk=world["deletable"].pk).exists() is not manage

import pytest
from django.test import Client

from accounts.services import api_token_create
from publishing.models import AuditEntry, Post, PostTarget
from tests.factories import AccountFactory, ProfileFactory, TargetFactory

pytestmark = pytest.mark.django_db

IMAGE = {"url": "https://cdn.example.com/a.jpg", "kind": "image"}


@pytest.fixture
def profile(account):
    return ProfileFactory(connection__account=account, name="Acme IG")


def payload(profile, **extra):
    return {"caption": "Hi", "media": [IMAGE], "targets": [profile.pk], **extra}


def test_requires_a_valid_bearer_token(client, account):
    assert client.get("/api/v1/profiles").status_code == 401
    bad = Client(HTTP_AUTHORIZATION="Bearer sd_nope")
    response = bad.get("/api/v1/profiles")
    assert response.status_code == 401
    assert "create_api_token" in response.json()["detail"]


def test_profiles_lists_only_this_account(api, profile):
    ProfileFactory()  # another account's profile
    assert api.get("/profiles").json() == [
        {"id": profile.pk, "platform": "instagram", "name": "Acme IG", "status": "active"}
    ]


def test_create_without_time_stays_pending_for_the_next_slot(api, profile):
    response = api.post("/posts", payload(profile))
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "approved"
    target = body["targets"][0]
    assert (target["status"], target["scheduled_at"], target["platform"]) == (
        "pending",
        None,
        "instagram",
    )
    assert body["media"] == [IMAGE]
    trail = list(AuditEntry.objects.values_list("from_status", "to_status", "actor_label"))
    assert trail == [("", "draft", "api:api"), ("draft", "approved", "api:api")]


def test_create_as_draft(api, profile):
    body = api.post("/posts", payload(profile, submit=False)).json()
    assert body["status"] == "draft"
    assert body["targets"][0]["status"] == "pending"


def test_approval_required_waits_for_a_reviewer(api, profile, account):
    account.approval_required = True
    account.save()
    body = api.post("/posts", payload(profile, scheduled_at="2030-01-01T09:00:00+01:00")).json()
    assert body["status"] == "awaiting_approval"
    assert body["targets"][0]["status"] == "pending"
    assert body["targets"][0]["scheduled_at"] == "2030-01-01T08:00:00Z"


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        ({"targets": []}, "targets", "at least one profile"),
        ({"targets": [999999]}, "targets", "No profile with id 999999"),
        ({"post_type": "hologram"}, "post_type", "Use one of"),
        ({"caption": "x" * 2201}, "caption", "2201 characters; Instagram allows 2200"),
        ({"caption": " ".join(f"#t{i}" for i in range(31))}, "caption", "31 hashtags"),
        ({"media": []}, "media", "Instagram feed posts need one image; this one has 0"),
        ({"post_type": "reel"}, "media", "Instagram reel posts take video only"),
    ],
)
def test_bad_input_is_refused_with_the_field_and_nothing_written(
    api, profile, change, field, fragment
):
    response = api.post("/posts", payload(profile, **change))
    assert response.status_code == 400, response.content
    messages = " ".join(response.json()["detail"][field])
    assert fragment in messages
    assert not Post.objects.exists()


def test_another_accounts_profile_cannot_be_targeted(api, profile):
    foreign = ProfileFactory()
    response = api.post("/posts", payload(profile, targets=[foreign.pk]))
    assert response.status_code == 400
    assert not Post.objects.exists()


def test_malformed_json_fields_are_4xx(api, profile):
    response = api.post("/posts", {"caption": "x", "targets": "nope"})
    assert response.status_code == 422
    response = api.post("/posts", payload(profile, scheduled_at="tomorrow-ish"))
    assert response.status_code == 422
    response = api.post("/posts", payload(profile, media=[{"url": "x", "kind": "gif"}]))
    assert response.status_code == 422


def test_publishing_module_off_is_refused(api, profile, account):
    account.publishing_enabled = False
    account.save()
    response = api.post("/posts", payload(profile))
    assert response.status_code == 400
    assert "publishing module is off" in response.json()["detail"]["account"][0]


def test_list_filters_and_tenancy(api, account, profile):
    published = TargetFactory(post__account=account, profile=profile, status="published")
    published.post.bucket = "tips"
    published.post.save()
    TargetFactory(post__account=account, profile=profile, status="failed")
    TargetFactory()  # another account

    def ids(**params):
        return [p["id"] for p in api.get("/posts", **params).json()["items"]]

    assert len(ids()) == 2
    assert ids(status="published") == [published.post_id]
    assert ids(bucket="tips") == [published.post_id]
    assert len(ids(platform="instagram")) == 2
    assert ids(platform="tiktok") == []
    assert len(ids(**{"from": "2000-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z"})) == 2
    bad = api.get("/posts", status="sideways")
    assert bad.status_code == 400
    assert "Use one of" in bad.json()["detail"]["status"][0]


def test_get_another_accounts_post_is_404(api, account):
    other = TargetFactory()
    assert api.get(f"/posts/{other.post_id}").status_code == 404
    assert api.post(f"/targets/{other.pk}/cancel").status_code == 404


def test_list_uses_a_fixed_number_of_queries(api, account, profile, django_assert_max_num_queries):
    for _ in range(15):
        TargetFactory(post__account=account, profile=profile)
    with django_assert_max_num_queries(7):  # posts, media, versions, targets…
        assert len(api.get("/posts").json()["items"]) == 15


def test_retry_cancel_and_reschedule(api, account, profile):
    failed = TargetFactory(
        post__account=account, profile=profile, status="failed", attempts=4, error_code="2"
    )
    body = api.post(f"/targets/{failed.pk}/retry").json()
    assert (body["status"], body["attempts"], body["error_code"]) == ("scheduled", 0, "")

    body = api.post(
        f"/targets/{failed.pk}/reschedule", {"scheduled_at": "2031-05-01T10:00:00+00:00"}
    ).json()
    assert (body["status"], body["scheduled_at"]) == ("scheduled", "2031-05-01T10:00:00Z")

    assert api.post(f"/targets/{failed.pk}/cancel").json()["status"] == "cancelled"
    again = api.post(f"/targets/{failed.pk}/retry")
    assert again.status_code == 409
    assert "Only failed targets can be retried" in again.json()["detail"]
    assert PostTarget.objects.get(pk=failed.pk).status == "cancelled"


def test_a_token_only_sees_its_own_account(account, profile):
    other_account = AccountFactory()
    _, raw = api_token_create(account=other_account)
    other = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert other.get("/api/v1/profiles").json() == []
    assert other.get("/api/v1/posts").json()["items"] == []


def test_openapi_schema_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/posts" in response.json()["paths"]

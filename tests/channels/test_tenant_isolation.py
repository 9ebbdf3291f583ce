"""One tenant can never change another's connections, and connect links land only where the person
opening them may manage channels (issue 11, items 3 and 4)."""

from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.test import Client
from django.utils import timezone

from accounts.services import api_token_create
from channels.models import ChannelConnection, OAuthState, Profile
from channels.services import oauth_start
from publishing.dispatch import dispatch_due
from publishing.models import PostTarget
from tests.factories import (
    AccountFactory,
    MediaFactory,
    MembershipFactory,
    PostFactory,
    UserFactory,
)
from tests.helpers import connect

pytestmark = pytest.mark.django_db


@pytest.fixture
def other(db):
    """Another agency's account, connected through the same Facebook user."""
    user = UserFactory(email="boss@other-agency.example")
    account = AccountFactory(name="Other Brand", slug="other-brand")
    MembershipFactory(user=user, account=account, role="admin")
    client = Client()
    client.force_login(user)
    return account, client


@pytest.fixture
def both_connected(owner_client, account, other, fake_meta):
    other_account, other_client = other
    for platform in ("facebook", "instagram"):
        assert connect(platform=platform, account=account, client=owner_client).status_code == 302
        assert (
            connect(platform=platform, account=other_account, client=other_client).status_code
            == 302
        )
    assert ChannelConnection.objects.filter(status="active").count() == 4
    return other_account, other_client


def statuses(account) -> set[str]:
    return set(ChannelConnection.objects.filter(account=account).values_list("status", flat=True))


def test_disconnecting_in_one_account_leaves_the_other_account_connected(
    owner_client, account, both_connected
):
    other_account, other_client = both_connected
    mine = ChannelConnection.objects.get(account=account, platform="facebook")
    response = owner_client.post(
        f"/a/{account.slug}/channels/{mine.pk}/disconnect/", {"confirmed": "1"}
    )
    assert response.status_code == 302
    assert statuses(account) == {"disconnected"}  # Meta's IG + Pages grant goes together
    assert statuses(other_account) == {"active"}
    reasons = ChannelConnection.objects.filter(account=other_account)
    assert all("owner@example.com" not in c.disconnected_reason for c in reasons)
    page = other_client.get(f"/a/{other_account.slug}/channels/").content.decode()
    assert "owner@example.com" not in page and "Disconnected" not in page


def test_another_tenants_connection_cannot_be_disconnected(owner_client, account, both_connected):
    other_account, _ = both_connected
    theirs = ChannelConnection.objects.get(account=other_account, platform="facebook")
    url = f"/a/{account.slug}/channels/{theirs.pk}/disconnect/"
    assert owner_client.post(url, {"confirmed": "1"}).status_code == 404
    url = f"/a/{other_account.slug}/channels/{theirs.pk}/disconnect/"
    response = owner_client.post(url, {"confirmed": "1"})
    assert response.status_code == 404
    assert statuses(other_account) == {"active"}


def test_an_expired_token_in_one_account_does_not_disconnect_the_other(
    account, both_connected, fake_meta
):
    other_account, _ = both_connected
    ig = Profile.objects.get(account=account, platform="instagram")
    post = PostFactory(account=account)
    MediaFactory(post=post)
    target = PostTarget.objects.create(
        post=post, profile=ig, status="scheduled", scheduled_at=timezone.now()
    )
    fake_meta.expire_tokens()
    dispatch_due()
    assert PostTarget.objects.get(pk=target.pk).error_code == "190/463"
    assert statuses(account) == {"disconnected"}
    assert statuses(other_account) == {"active"}


def finish(authorize_url: str, client: Client):
    """Follow the platform's consent screen and open the callback with `client`."""
    dialog = requests.get(authorize_url, allow_redirects=False, timeout=5)
    callback = urlparse(dialog.headers["Location"])
    query = {k: v[0] for k, v in parse_qs(callback.query).items()}
    return client.get(callback.path, query)


def test_an_api_started_link_cannot_be_finished_into_an_account_the_user_is_not_in(
    account, other, fake_meta
):
    _, stranger = other
    url = oauth_start(account=account, platform="instagram")  # as POST /connections/… does
    response = finish(url, stranger)
    assert response.status_code == 400
    assert "cannot connect Instagram to Acme Coffee" in response.content.decode()
    assert not ChannelConnection.objects.exists()


def test_a_reviewer_cannot_finish_an_api_started_link(account, fake_meta):
    reviewer = UserFactory(email="rev@example.com")
    MembershipFactory(user=reviewer, account=account, role="reviewer")
    client = Client()
    client.force_login(reviewer)
    response = finish(oauth_start(account=account, platform="instagram"), client)
    assert response.status_code == 400
    assert not ChannelConnection.objects.exists()


def test_an_api_started_link_finishes_signed_out_or_by_a_marketer(account, fake_meta):
    assert finish(oauth_start(account=account, platform="instagram"), Client()).status_code == 200
    marketer = UserFactory()
    MembershipFactory(user=marketer, account=account, role="marketer")
    client = Client()
    client.force_login(marketer)
    assert finish(oauth_start(account=account, platform="facebook"), client).status_code == 302
    assert statuses(account) == {"active"}


def test_reviewers_cannot_start_connects(account, fake_meta):
    reviewer = UserFactory()
    MembershipFactory(user=reviewer, account=account, role="reviewer")
    client = Client()
    client.force_login(reviewer)
    assert client.post(f"/a/{account.slug}/channels/connect/instagram/").status_code == 403
    token = api_token_create(account=account, role="reviewer")[1]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = api.post("/api/v1/connections/instagram/authorize")
    assert response.status_code == 403 and "Reviewer tokens" in response.json()["detail"]
    assert not OAuthState.objects.exists()

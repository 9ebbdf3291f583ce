from urllib.parse import parse_qs, urlparse

import requests
import time_machine
from django.test import Client
from django.utils import timezone

from channels.models import ChannelConnection, OAuthState, Profile
from tests.factories import MembershipFactory, UserFactory
from tests.helpers import connect_instagram


def test_connect_in_the_browser_creates_connection_and_profiles(
    owner_client, account, fake_instagram
):
    fake_instagram.pages.append(
        {"id": "10002", "name": "Page without IG", "ig": {"id": "", "username": "", "name": ""}}
    )
    response = connect_instagram(fake=fake_instagram, account=account, client=owner_client)
    assert response.status_code == 302
    assert response["Location"] == f"/a/{account.slug}/"
    connection = ChannelConnection.objects.get(account=account)
    assert connection.status == "active"
    assert connection.external_user_id == fake_instagram.user_id
    assert "instagram_content_publish" in connection.scopes
    assert (connection.token_expires_at - timezone.now()).days == 59
    assert list(Profile.objects.values_list("name", "username")) == [("Brand 1", "brand1")]
    page = owner_client.get(f"/a/{account.slug}/")
    assert b"Connected Instagram: Brand 1." in page.content


def test_reconnecting_updates_instead_of_duplicating(owner_client, account, fake_instagram):
    connect_instagram(fake=fake_instagram, account=account, client=owner_client)
    connect_instagram(fake=fake_instagram, account=account, client=owner_client)
    assert ChannelConnection.objects.count() == 1
    assert Profile.objects.count() == 1


def test_profiles_behind_several_pages_are_all_found(
    owner_client, account, fake_instagram, settings
):
    fake_instagram.pages = [
        {
            "id": f"200{n}",
            "name": f"P{n}",
            "ig": {"id": f"900{n}", "username": f"u{n}", "name": f"IG {n}"},
        }
        for n in range(150)
    ]
    connect_instagram(fake=fake_instagram, account=account, client=owner_client)
    assert Profile.objects.count() == 150  # two pages of /me/accounts


def test_state_is_single_use(owner_client, account, fake_instagram):

    start = owner_client.post(f"/a/{account.slug}/channels/connect/instagram/")
    dialog = requests.get(start["Location"], allow_redirects=False, timeout=5)
    callback = urlparse(dialog.headers["Location"])
    query = {k: v[0] for k, v in parse_qs(callback.query).items()}
    assert owner_client.get(callback.path, query).status_code == 302
    again = owner_client.get(callback.path, query)
    assert again.status_code == 400
    assert b"expired or was already used" in again.content


def test_state_expires_after_ten_minutes(owner_client, account, fake_instagram):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        start = owner_client.post(f"/a/{account.slug}/channels/connect/instagram/")
        state = OAuthState.objects.get().state
        assert start.status_code == 302
        traveller.shift(601)
        response = owner_client.get("/channels/callback/instagram/", {"state": state, "code": "x"})
    assert response.status_code == 400
    assert not ChannelConnection.objects.exists()


def test_callback_checks_the_user_who_started(owner_client, account, fake_instagram):
    start = owner_client.post(f"/a/{account.slug}/channels/connect/instagram/")
    assert start.status_code == 302
    state = OAuthState.objects.get().state
    other = UserFactory()
    MembershipFactory(user=other, account=account)
    client = Client()
    client.force_login(other)
    response = client.get("/channels/callback/instagram/", {"state": state, "code": "x"})
    assert response.status_code == 400
    assert b"started by another user" in response.content


def test_denied_consent_changes_nothing(owner_client, account, fake_instagram):
    owner_client.post(f"/a/{account.slug}/channels/connect/instagram/")
    state = OAuthState.objects.get().state
    response = owner_client.get(
        "/channels/callback/instagram/", {"state": state, "error": "access_denied"}
    )
    assert response.status_code == 400
    assert b"did not grant access (access_denied)" in response.content
    assert not ChannelConnection.objects.exists()


def test_outsider_cannot_start_a_connection(outsider_client, account, fake_instagram):
    response = outsider_client.post(f"/a/{account.slug}/channels/connect/instagram/")
    assert response.status_code == 404
    assert not OAuthState.objects.exists()


def test_connect_needs_the_publishing_module(owner_client, account, fake_instagram):
    account.publishing_enabled = False
    account.save()
    response = owner_client.post(f"/a/{account.slug}/channels/connect/instagram/", follow=True)
    assert b"publishing module is off" in response.content
    assert not OAuthState.objects.exists()


def test_unconfigured_platform_says_which_env_vars_to_set(owner_client, account, settings):
    settings.PLATFORM_CREDENTIALS = {
        **settings.PLATFORM_CREDENTIALS,
        "instagram": {"client_id": "", "client_secret": ""},
    }
    response = owner_client.post(f"/a/{account.slug}/channels/connect/instagram/", follow=True)
    assert b"INSTAGRAM_CLIENT_ID and INSTAGRAM_CLIENT_SECRET" in response.content


def test_unknown_platform_is_404(owner_client, account):
    assert owner_client.post(f"/a/{account.slug}/channels/connect/myspace/").status_code == 404
    assert owner_client.get("/channels/callback/myspace/").status_code == 404

"""check_tokens: refresh ahead of expiry, the 7-day banner, the single 3-day email, expiry."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from channels.models import ChannelConnection, Profile
from publishing.models import PostTarget
from tests.factories import PostFactory
from tests.helpers import connect

pytestmark = pytest.mark.django_db


def check_tokens() -> str:
    out = StringIO()
    call_command("check_tokens", stdout=out)
    return out.getvalue().strip()


@pytest.fixture
def tiktok(owner_client, account, fake_tiktok) -> ChannelConnection:
    connect(platform="tiktok", account=account, client=owner_client)
    return ChannelConnection.objects.get(platform="tiktok")


@pytest.fixture
def instagram(owner_client, account, fake_instagram) -> ChannelConnection:
    connect(platform="instagram", account=account, client=owner_client)
    return ChannelConnection.objects.get(platform="instagram")


def test_tiktok_tokens_are_refreshed_ahead_of_expiry_keeping_the_rotated_one(tiktok, fake_tiktok):
    old_access, old_refresh = tiktok.access_token, tiktok.refresh_token
    assert check_tokens() == "refreshed 0, refresh failed 0, warned 0, expired 0"
    with time_machine.travel(timezone.now() + timedelta(hours=22), tick=False):
        assert check_tokens().startswith("refreshed 1")
        connection = ChannelConnection.objects.get(pk=tiktok.pk)
        assert connection.access_token != old_access
        assert connection.refresh_token != old_refresh
        assert connection.token_expires_at == timezone.now() + timedelta(hours=24)
        assert connection.health == "active"


def test_a_network_blip_is_not_a_revoked_token(tiktok, fake_tiktok):
    fake_tiktok.fail_500(path="/oauth/token/")
    with time_machine.travel(timezone.now() + timedelta(hours=22), tick=False):
        assert check_tokens().startswith("refreshed 0, refresh failed 1")
    connection = ChannelConnection.objects.get(pk=tiktok.pk)
    assert connection.status == "active"
    assert connection.refresh_token == tiktok.refresh_token  # kept, not blanked
    assert "internal_error" in connection.last_refresh_error


def test_a_refused_refresh_disconnects_and_holds_posts(tiktok, fake_tiktok, account):
    profile = Profile.objects.get(platform="tiktok")
    target = PostTarget.objects.create(
        post=PostFactory(account=account), profile=profile, status="scheduled",
        scheduled_at=timezone.now() + timedelta(days=2),
    )  # fmt: skip
    fake_tiktok.revoke()
    with time_machine.travel(timezone.now() + timedelta(hours=22), tick=False):
        check_tokens()
    assert ChannelConnection.objects.get(pk=tiktok.pk).status == "disconnected"
    assert PostTarget.objects.get(pk=target.pk).status == "pending"


def test_meta_expiry_banner_7_days_ahead_and_one_email_3_days_ahead(
    instagram, owner_client, account, owner
):
    expires = instagram.token_expires_at
    home = f"/a/{account.slug}/"
    with time_machine.travel(expires - timedelta(days=8), tick=False):
        owner_client.force_login(owner)  # sessions last two weeks; this is weeks later
        assert "expires soon" not in owner_client.get(home).content.decode()
        check_tokens()
        assert mail.outbox == []
    with time_machine.travel(expires - timedelta(days=6), tick=False):
        owner_client.force_login(owner)
        for page in (home, f"/a/{account.slug}/channels/", f"/a/{account.slug}/settings/"):
            assert "expires soon" in owner_client.get(page).content.decode()
        assert "Expiring soon" in owner_client.get(f"/a/{account.slug}/channels/").content.decode()
        check_tokens()
        assert mail.outbox == []
    with time_machine.travel(expires - timedelta(days=3), tick=False):
        assert check_tokens().endswith("warned 1, expired 0")
        check_tokens()
    with time_machine.travel(expires - timedelta(days=1), tick=False):
        check_tokens()
    (message,) = mail.outbox
    assert message.to == [owner.email]
    assert message.subject.startswith("Reconnect Instagram")
    assert f"/a/{account.slug}/channels/" in message.body


def test_expired_channel_is_disconnected_and_reconnect_resets_the_warning(
    instagram, owner_client, account, owner, fake_instagram
):
    expires = instagram.token_expires_at
    with time_machine.travel(expires - timedelta(days=3), tick=False):
        check_tokens()
    with time_machine.travel(expires + timedelta(minutes=1), tick=False):
        assert check_tokens().endswith("expired 1")
        owner_client.force_login(owner)
        connection = ChannelConnection.objects.get(pk=instagram.pk)
        assert (connection.status, connection.disconnected_reason) == (
            "disconnected", "The access token expired.",
        )  # fmt: skip
        assert "is disconnected" in owner_client.get(f"/a/{account.slug}/").content.decode()
        connect(platform="instagram", account=account, client=owner_client)
    connection = ChannelConnection.objects.get(pk=instagram.pk)
    assert connection.status == "active" and connection.expiry_warned_at is None

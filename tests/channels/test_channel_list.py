from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from channels.models import ChannelConnection
from tests.factories import MembershipFactory, ProfileFactory, TargetFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def profile(account):
    return ProfileFactory(connection__account=account, name="Acme IG",
                          connection__scopes=["instagram_basic"])  # fmt: skip


def test_lists_channels_with_status_expiry_scopes_and_last_publish(owner_client, account, profile):
    TargetFactory(post__account=account, profile=profile, status="published",
                  published_at=datetime(2026, 11, 2, 9, 30, tzinfo=UTC))  # fmt: skip
    page = owner_client.get(f"/a/{account.slug}/channels/").content.decode()
    assert "Acme IG" in page and "Active" in page and "instagram_basic" in page
    assert "2 Nov 2026 09:30" in page
    assert "Disconnect" in page and "Connect Facebook Pages" in page


def test_outsider_gets_404(outsider_client, account, profile):
    assert outsider_client.get(f"/a/{account.slug}/channels/").status_code == 404
    url = f"/a/{account.slug}/channels/{profile.connection_id}/disconnect/"
    assert outsider_client.post(url).status_code == 404
    assert ChannelConnection.objects.get().status == "active"


def test_disconnect_holds_posts(owner_client, account, profile):
    target = TargetFactory(post__account=account, profile=profile,
                           scheduled_at=timezone.now() + timedelta(hours=3))  # fmt: skip
    response = owner_client.post(f"/a/{account.slug}/channels/{profile.connection_id}/disconnect/")
    assert response.status_code == 302
    assert ChannelConnection.objects.get().status == "disconnected"
    target.refresh_from_db()
    assert (target.status, target.error_code) == ("pending", "disconnected")
    assert "Reconnect to release 1 post" in owner_client.get(f"/a/{account.slug}/").content.decode()


def test_reviewers_see_but_cannot_disconnect(client, account, profile):
    reviewer = UserFactory()
    MembershipFactory(user=reviewer, account=account, role="reviewer")
    client.force_login(reviewer)
    page = client.get(f"/a/{account.slug}/channels/").content.decode()
    assert "Acme IG" in page and "Disconnect" not in page
    url = f"/a/{account.slug}/channels/{profile.connection_id}/disconnect/"
    assert client.post(url).status_code == 403

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
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
    url = f"/a/{account.slug}/channels/{profile.connection_id}/disconnect/"
    response = owner_client.post(url, {"confirmed": "1"})
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


def test_disconnect_asks_first_and_only_the_confirmation_acts(owner_client, account, profile):
    url = f"/a/{account.slug}/channels/{profile.connection_id}/disconnect/"
    for asking in (owner_client.get(url), owner_client.post(url)):  # no JS: a page, not an act
        page = asking.content.decode()
        assert asking.status_code == 200 and "Disconnect Instagram?" in page
        assert "Acme IG" in page and 'name="confirmed" value="1"' in page
        assert "csrfmiddlewaretoken" in page
        assert ChannelConnection.objects.get().status == "active"
    list_page = owner_client.get(f"/a/{account.slug}/channels/").content.decode()
    assert "data-confirm=" in list_page  # with JS: the browser's dialog, then one click

    assert owner_client.post(url, {"confirmed": "1"}).status_code == 302
    assert ChannelConnection.objects.get().status == "disconnected"


def test_the_disconnect_confirmation_needs_the_csrf_token(account, profile, owner):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    url = f"/a/{account.slug}/channels/{profile.connection_id}/disconnect/"
    assert client.post(url, {"confirmed": "1"}).status_code == 403
    assert ChannelConnection.objects.get().status == "active"


def test_reconnect_and_disconnect_are_in_a_stacking_row(owner_client, account, profile):
    """At 390 px the table stacks (one card per channel) and its buttons wrap: both stay on
    the page, inside the row, without widening it (the browser test measures the width)."""
    page = owner_client.get(f"/a/{account.slug}/channels/").content.decode()
    assert '<table class="stack channels">' in page
    actions = page.split('<td class="row-actions">')[1].split("</td>")[0]
    assert ">Reconnect</button>" in actions and ">Disconnect</button>" in actions
    assert 'style="' not in page  # the CSP allows no inline styles: app.css does it
    css = (settings.BASE_DIR / "static" / "css" / "app.css").read_text()
    assert "td.row-actions form.inline" in css and "table.stack td {" in css

"""The Settings page: the account's time zone is editable there (the schedule page's rules), and
the main navigation links New post and Settings for the roles that can use them."""

import pytest
from django.test import Client

from accounts.models import ClientAccount
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def member_client(account, role: str) -> Client:
    user = UserFactory()
    MembershipFactory(user=user, account=account, role=role)
    client = Client()
    client.force_login(user)
    return client


def test_the_time_zone_is_saved_from_settings_in_any_case(owner_client, account):
    url = f"/a/{account.slug}/settings/"
    page = owner_client.get(url).content.decode()
    assert 'name="timezone" value="UTC" list="timezone-names"' in page
    response = owner_client.post(
        url, {"action": "timezone", "timezone": "america/new_york"}, follow=True
    )
    assert ClientAccount.objects.get(pk=account.pk).timezone == "America/New_York"
    assert (
        "Acme Coffee&#x27;s times are now shown and planned in America/New_York."
        in response.content.decode()
    )


def test_an_unknown_zone_on_settings_says_which_field_and_how_to_fix_it(owner_client, account):
    url = f"/a/{account.slug}/settings/"
    page = owner_client.post(url, {"action": "timezone", "timezone": "Mars/Olympus"}, follow=True)
    text = page.content.decode()
    assert "Acme Coffee&#x27;s time zone was not changed." in text
    assert (
        "Time zone: &#x27;Mars/Olympus&#x27; is not an IANA time zone name. Pick one from the list"
        in text
    )
    assert 'value="Mars/Olympus"' in text and 'aria-invalid="true"' in text  # kept for correcting
    assert ClientAccount.objects.get(pk=account.pk).timezone == "UTC"


def test_only_admins_change_the_zone_and_outsiders_get_404(account, outsider_client):
    url = f"/a/{account.slug}/settings/"
    data = {"action": "timezone", "timezone": "Europe/London"}
    assert member_client(account, "marketer").post(url, data).status_code == 403
    assert outsider_client.post(url, data).status_code == 404
    assert ClientAccount.objects.get(pk=account.pk).timezone == "UTC"


@pytest.mark.parametrize(
    ("role", "new_post", "settings"),
    [("admin", True, True), ("marketer", True, False), ("reviewer", True, False)],
)
def test_navigation_links_new_post_and_settings_by_role(account, role, new_post, settings):
    page = member_client(account, role).get(f"/a/{account.slug}/calendar/").content.decode()
    nav = page.split('<nav aria-label="Account">', 1)[1].split("</nav>", 1)[0]
    assert (f'href="/a/{account.slug}/posts/new/">New post</a>' in nav) is new_post
    assert (f'href="/a/{account.slug}/settings/">Settings</a>' in nav) is settings

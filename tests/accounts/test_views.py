import pytest

from accounts.models import ClientAccount
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_home_redirects_a_single_account_member(owner_client, account):
    response = owner_client.get("/")
    assert response.status_code == 302
    assert response["Location"] == f"/a/{account.slug}/"


def test_anonymous_is_sent_to_login(client, account):
    response = client.get(f"/a/{account.slug}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_login_page_renders(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b'name="login"' in response.content


def test_login_page_offers_sign_up_only_when_sign_up_is_open(client, settings):
    settings.ACCOUNT_ALLOW_SIGNUP = False
    closed = client.get("/accounts/login/").content.decode()
    assert "/accounts/signup/" not in closed
    assert "sign up" not in closed.lower()
    settings.ACCOUNT_ALLOW_SIGNUP = True
    assert "/accounts/signup/" in client.get("/accounts/login/").content.decode()


def test_pages_link_an_icon_and_favicon_ico_is_not_a_404(client):
    page = client.get("/accounts/login/").content.decode()
    assert 'rel="icon"' in page and "favicon.svg" in page
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")


def test_account_home_for_owner_member_and_outsider(owner_client, outsider_client, account):
    assert owner_client.get(f"/a/{account.slug}/").status_code == 200
    marketer = UserFactory()
    MembershipFactory(user=marketer, account=account, role="marketer")
    owner_client.force_login(marketer)
    assert owner_client.get(f"/a/{account.slug}/").status_code == 200
    assert outsider_client.get(f"/a/{account.slug}/").status_code == 404


def test_only_admins_switch_the_publishing_module(client, account, owner):
    account.publishing_enabled = False
    account.save()
    marketer = UserFactory()
    MembershipFactory(user=marketer, account=account, role="marketer")
    client.force_login(marketer)
    assert client.get(f"/a/{account.slug}/settings/").status_code == 200
    assert (
        client.post(f"/a/{account.slug}/settings/", {"publishing_enabled": "on"}).status_code == 403
    )
    assert not ClientAccount.objects.get(pk=account.pk).publishing_enabled

    client.force_login(owner)
    response = client.post(f"/a/{account.slug}/settings/", {"publishing_enabled": "on"})
    assert response.status_code == 302
    assert ClientAccount.objects.get(pk=account.pk).publishing_enabled


def test_settings_are_404_for_outsiders(outsider_client, account):
    assert outsider_client.get(f"/a/{account.slug}/settings/").status_code == 404
    response = outsider_client.post(f"/a/{account.slug}/settings/", {"publishing_enabled": "on"})
    assert response.status_code == 404

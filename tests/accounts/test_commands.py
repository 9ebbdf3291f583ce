from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.models import ClientAccount, Membership

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip()


def test_create_account_prints_the_slug_and_makes_the_owner_admin():
    slug = run("create_account", "Acme Coffee", "--owner", "Ana@Example.com")
    assert slug == "acme-coffee"
    account = ClientAccount.objects.get(slug=slug)
    membership = Membership.objects.get(account=account)
    assert (membership.user.email, membership.role) == ("ana@example.com", "admin")
    assert not account.publishing_enabled  # opt-in
    assert run("create_account", "Acme Coffee", "--owner", "ana@example.com") == "acme-coffee-2"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Acme", "--owner", "not-an-email"], "--owner: 'not-an-email' is not an email address"),
        (["  ", "--owner", "a@example.com"], "name: give the account a name"),
        (["Acme", "--owner", "a@example.com", "--timezone", "Mars/Base"], "timezone"),
    ],
)
def test_create_account_rejects_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_account", *args)
    assert not ClientAccount.objects.exists()


def test_create_api_token_prints_a_working_token():
    slug = run("create_account", "Acme", "--owner", "a@example.com", "--enable-publishing")
    token = run("create_api_token", slug)
    assert token.startswith("sd_")
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/profiles")
    assert response.status_code == 200
    assert response.json() == []


def test_create_api_token_unknown_slug():
    with pytest.raises(CommandError, match="No client account with slug 'nope'"):
        call_command("create_api_token", "nope")


def test_demo_setup_prints_the_login_once():
    first = run("demo_setup")
    assert "password:" in first
    second = run("demo_setup")
    assert "password:" not in second and "Demo login exists" in second
    assert ClientAccount.objects.get(slug="demo-brand").publishing_enabled

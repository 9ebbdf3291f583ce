"""Connecting in sandbox mode: the real Connect button, the sandbox's Allow page, the callback."""

from urllib.parse import urlsplit

import pytest
import requests

from channels.models import Profile
from channels.providers import platform_name
from sandbox.registry import SANDBOXES
from tests.sandbox.fixtures import allow_page, sandbox_connect


def test_connect_goes_through_the_sandbox_allow_page_and_makes_a_sandbox_profile(
    owner_client, account, sandbox
):
    start = owner_client.post(f"/a/{account.slug}/channels/connect/instagram/")
    assert start.status_code == 302
    authorize_url = start["Location"]
    assert authorize_url.startswith(sandbox["instagram"].url)

    title, fields = allow_page(authorize_url)
    assert title == "Sandbox Instagram — Allow"
    assert fields["sandbox_allow"] == "1"
    assert urlsplit(fields["redirect_uri"]).path == "/channels/callback/instagram/"

    done = sandbox_connect(owner_client, authorize_url)
    assert done.status_code == 302, done.content
    profile = Profile.objects.get(account=account, platform="instagram")
    assert profile.name == "Brand 1 (Sandbox)"
    assert profile.extra["sandbox"] is True
    assert profile.is_sandbox and profile.connection.is_sandbox

    page = owner_client.get(f"/a/{account.slug}/channels/")
    html = page.content.decode()
    assert "Sandbox mode." in html  # the banner
    assert '<span class="badge sandbox">Sandbox</span>' in html
    assert "Connect Sandbox TikTok" in html and "Connect Sandbox Facebook Pages" in html
    home = owner_client.get(f"/a/{account.slug}/").content.decode()
    assert '<span class="badge sandbox">Sandbox</span>' in home
    assert "Connect Sandbox Instagram" in home


def test_tiktok_connects_through_its_sandbox_with_pkce(owner_client, account, sandbox):
    start = owner_client.post(f"/a/{account.slug}/channels/connect/tiktok/")
    title, fields = allow_page(start["Location"])
    assert title == "Sandbox TikTok — Allow"
    assert fields["code_challenge"]  # the fake's own checks still run behind the page
    sandbox_connect(owner_client, start["Location"])
    assert Profile.objects.get(account=account, platform="tiktok").is_sandbox


def test_cancel_on_the_allow_page_connects_nothing(owner_client, account, sandbox):
    start = owner_client.post(f"/a/{account.slug}/channels/connect/facebook/")
    page = requests.get(start["Location"], timeout=5).text
    cancel = page.split('<a href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    callback = urlsplit(cancel)
    query = dict(part.split("=", 1) for part in callback.query.split("&"))
    done = owner_client.get(callback.path, query)
    assert done.status_code == 400
    assert b"Facebook Pages did not grant access (access_denied)" in done.content
    assert not Profile.objects.exists()


def test_without_sandbox_mode_nothing_is_marked_or_bannered(owner_client, account, settings):
    settings.SOCIALDIST_SANDBOX = False
    settings.SOCIALDIST_SANDBOX_PLATFORMS = []
    html = owner_client.get(f"/a/{account.slug}/channels/").content.decode()
    assert "Sandbox" not in html


@pytest.mark.parametrize("platform", [p for s in SANDBOXES for p in s.platforms])
def test_every_sandbox_platform_connects_through_its_allow_page(
    owner_client, account, sandbox, platform
):
    start = owner_client.post(f"/a/{account.slug}/channels/connect/{platform}/")
    title, _ = allow_page(start["Location"])
    assert title == f"Sandbox {platform_name(platform)} — Allow"
    done = sandbox_connect(owner_client, start["Location"])
    assert done.status_code == 302, done.content
    profiles = Profile.objects.filter(account=account, platform=platform)
    assert profiles and all(p.is_sandbox and p.name.endswith(" (Sandbox)") for p in profiles)

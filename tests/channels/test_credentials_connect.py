"""Credentials platforms (blogs) connect through one generic form, service and API call.

This registers a small test-only blog — declared the way the real blogs are (connect fields,
verify, no metrics) — with its own fake site, so the generic path proves itself end to end (a
real HTTP call, encrypted storage, profiles, publishing with the stored credentials, collection
skipping a platform without metrics).
"""

import json
from datetime import timedelta

import pytest
import requests
import time_machine
from django.db import connection as db
from django.utils import timezone

from accounts.services import api_token_create
from analytics.models import MetricCollection
from analytics.services import metrics_collect
from channels.http import PlatformError
from channels.limits import PlatformLimits, TypeLimits
from channels.models import ChannelConnection, Profile
from channels.providers import PROVIDERS
from channels.providers.base import ConnectField, ProfileInfo, Provider, Published, Verified
from publishing.dispatch import dispatch_due
from publishing.models import PostTarget
from tests.factories import MembershipFactory, PostFactory, UserFactory
from tests.fakes.server import FakeServer, Request, Response

pytestmark = pytest.mark.django_db
KEY = "key-5f2d:2b7e151628aed2a6abf7158809cf4f3c"


class FakeBlog(FakeServer):
    """A blog's admin API: one site behind a key; posts are created with it."""

    def __init__(self) -> None:
        super().__init__()
        self.posts: list[dict] = []

    def handle(self, request: Request) -> Response:
        if request.headers.get("authorization") != f"Key {KEY}":
            return Response(401, {"errors": [{"message": "Unknown Admin API Key"}]})
        if request.path == "/api/site" and request.method == "GET":
            return Response(200, {"site": {"id": "site-1", "title": "Acme Journal"}})
        if request.path == "/api/posts" and request.method == "POST":
            self.posts.append(request.form)
            return Response(201, {"post": {"id": f"p{len(self.posts)}", "url": "https://x/p"}})
        return Response(404, {"errors": [{"message": "Not found"}]})


class DemoBlogProvider(Provider):
    slug = "demoblog"
    name = "Demo Blog"
    auth = "credentials"
    connect_fields = (
        ConnectField("site_url", "Site URL", kind="url"),
        ConnectField("api_key", "Admin API key", kind="secret"),
    )
    limits = PlatformLimits(
        caption_max=100_000, post_types={"article": TypeLimits(0, 10, frozenset({"image"}))}
    )
    has_metrics = False

    def _call(self, method: str, credentials: dict, path: str, **kwargs) -> dict:
        headers = {"Authorization": f"Key {credentials['api_key']}"}
        url = credentials["site_url"] + path
        return self.http.request(method, url, headers=headers, **kwargs).json()

    def classify_error(self, response):
        try:
            message = response.json()["errors"][0]["message"]
        except (ValueError, KeyError, IndexError, TypeError):
            return None
        kind = "auth" if response.status_code == 401 else "permanent"
        return PlatformError(kind, str(response.status_code), message)

    def verify(self, credentials):
        site = self._call("GET", credentials, "/api/site")["site"]
        return Verified(
            external_user_id=credentials["site_url"],
            display_name=site["title"],
            profiles=[ProfileInfo(external_id=site["id"], name=site["title"])],
        )

    def list_profiles(self, *, access_token):  # credentials platforms list them in verify
        return []

    def finish(self, request):
        body = {"title": request.content.title, "html": request.content.caption}
        post = self._call("POST", request.credentials, "/api/posts", json=body)["post"]
        return Published(platform_post_id=post["id"], permalink=post["url"])


@pytest.fixture
def blog(monkeypatch, settings):
    monkeypatch.setitem(PROVIDERS, DemoBlogProvider.slug, DemoBlogProvider)
    settings.CONNECT_ALLOW_PRIVATE = True  # the fake site listens on 127.0.0.1
    server = FakeBlog().start()
    yield server
    server.stop()


def form(blog, key=KEY, prefix="demoblog-") -> dict:
    return {f"{prefix}site_url": blog.url, f"{prefix}api_key": key}


def test_the_channels_page_offers_the_declared_fields_to_managers_only(blog, owner_client, account):
    page = owner_client.get(f"/a/{account.slug}/channels/").content.decode()
    assert "Connect Demo Blog" in page
    assert 'name="demoblog-site_url"' in page and 'type="password"' in page
    reviewer = UserFactory()
    MembershipFactory(user=reviewer, account=account, role="reviewer")
    owner_client.force_login(reviewer)
    page = owner_client.get(f"/a/{account.slug}/channels/").content.decode()
    assert 'name="demoblog-site_url"' not in page
    url = f"/a/{account.slug}/channels/credentials/demoblog/"
    assert owner_client.post(url, form(blog)).status_code == 403
    assert not ChannelConnection.objects.exists()


def test_an_outsider_gets_a_404(blog, outsider_client, account):
    url = f"/a/{account.slug}/channels/credentials/demoblog/"
    assert outsider_client.post(url, form(blog)).status_code == 404
    assert not ChannelConnection.objects.exists()


def test_oauth_platforms_have_no_credentials_form(owner_client, account):
    url = f"/a/{account.slug}/channels/credentials/instagram/"
    assert owner_client.post(url, {}).status_code == 404


def test_a_bad_field_is_named_and_nothing_is_stored(blog, owner_client, account):
    url = f"/a/{account.slug}/channels/credentials/demoblog/"
    response = owner_client.post(url, {"demoblog-site_url": "ftp://x", "demoblog-api_key": ""})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Enter a valid URL" in page and "This field is required" in page
    assert not blog.requests and not ChannelConnection.objects.exists()


def test_the_platforms_own_refusal_is_shown(blog, owner_client, account):
    url = f"/a/{account.slug}/channels/credentials/demoblog/"
    response = owner_client.post(url, form(blog, key="wrong"))
    assert response.status_code == 400
    assert "Demo Blog did not accept these details: Unknown Admin API Key" in (
        response.content.decode()
    )
    assert not ChannelConnection.objects.exists()


def test_verified_credentials_are_stored_encrypted_with_their_profiles(blog, owner_client, account):
    url = f"/a/{account.slug}/channels/credentials/demoblog/"
    response = owner_client.post(url, form(blog))
    assert response.status_code == 302
    (call,) = blog.calls("GET", "/api/site")
    assert call.headers["authorization"] == f"Key {KEY}"
    connection = ChannelConnection.objects.get(platform="demoblog")
    assert connection.credential_values == {"site_url": blog.url, "api_key": KEY}
    with db.cursor() as cursor:
        cursor.execute("SELECT credentials FROM channels_channelconnection")
        (raw,) = cursor.fetchone()
    assert KEY not in raw and blog.url not in raw
    (profile,) = Profile.objects.filter(platform="demoblog")
    assert (profile.name, profile.external_id, profile.account) == (
        "Acme Journal",
        "site-1",
        account,
    )
    page = owner_client.get(f"/a/{account.slug}/channels/").content.decode()
    assert KEY not in page


def test_the_api_connects_and_names_what_is_wrong(blog, api, account):
    ok = api.post("/connections/demoblog/credentials", {"site_url": blog.url, "api_key": KEY})
    assert ok.status_code == 200, ok.content
    body = ok.json()
    assert body["profiles"] == [
        {"id": Profile.objects.get().pk, "platform": "demoblog", "name": "Acme Journal",
         "status": "active"}
    ]  # fmt: skip
    refused = api.post("/connections/demoblog/credentials", {"site_url": blog.url, "api_key": "x"})
    assert refused.status_code == 400
    assert "Unknown Admin API Key" in refused.json()["detail"]
    missing = api.post("/connections/demoblog/credentials", {"site_url": "javascript:alert(1)"})
    assert missing.status_code == 400
    assert set(missing.json()["detail"]) == {"site_url", "api_key"}
    extra = api.post(
        "/connections/demoblog/credentials", {"site_url": blog.url, "api_key": KEY, "x": "1"}
    )
    assert (
        extra.status_code == 400
        and "takes only site_url, api_key" in extra.json()["detail"]["x"][0]
    )
    assert api.post("/connections/instagram/credentials", {}).status_code == 404
    assert api.post("/connections/demoblog/authorize").status_code == 404


def test_a_reviewer_token_cannot_connect(blog, client, account):
    token = api_token_create(account=account, role="reviewer")[1]
    response = client.post(
        "/api/v1/connections/demoblog/credentials",
        json.dumps({"site_url": blog.url, "api_key": KEY}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 403 and not ChannelConnection.objects.exists()


def test_publishing_uses_the_stored_credentials_and_plans_no_metrics(blog, owner_client, account):
    owner_client.post(f"/a/{account.slug}/channels/credentials/demoblog/", form(blog))
    profile = Profile.objects.get(platform="demoblog")
    post = PostFactory(account=account, post_type="article", caption="<p>Hello</p>", title="Hi")
    target = PostTarget.objects.create(
        post=post, profile=profile, status="scheduled", scheduled_at=timezone.now()
    )
    dispatch_due()
    target.refresh_from_db()
    assert (target.status, target.platform_post_id) == ("published", "p1"), target.error_message
    assert blog.posts == [{"title": "Hi", "html": "<p>Hello</p>"}]
    assert not MetricCollection.objects.filter(target=target).exists()


def test_collection_closes_reads_of_a_platform_without_metrics(blog, owner_client, account):
    """A read planned before the platform said it has no metrics is closed, not left leased
    (and the other platforms' reads in the same run are not held up)."""
    owner_client.post(f"/a/{account.slug}/channels/credentials/demoblog/", form(blog))
    profile = Profile.objects.get(platform="demoblog")
    target = PostTarget.objects.create(
        post=PostFactory(account=account, post_type="article"), profile=profile,
        status="published", platform_post_id="p9", published_at=timezone.now(),
    )  # fmt: skip
    read = MetricCollection.objects.create(target=target, window="1h", due_at=timezone.now())
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        result = metrics_collect()
    read.refresh_from_db()
    assert (result.collected, read.gave_up, read.claim) == (0, True, "")
    assert "Demo Blog reports no metrics" in read.last_error


def test_the_fake_refuses_without_the_key(blog):
    assert requests.get(blog.url + "/api/site", timeout=5).status_code == 401


@pytest.mark.parametrize(
    ("url", "allowed", "says"),
    [
        ("http://127.0.0.1:9/", False, "a loopback address"),
        ("http://10.0.0.5/", False, "a private address"),
        ("http://169.254.169.254/", True, "link-local"),
        ("http://0x7f.1/", False, "a loopback address"),
        ("http://8.8.8.8/", True, "must start with https://"),
        ("https://user:pw@8.8.8.8/", True, "user name or password"),
    ],
)
def test_a_connect_url_may_not_reach_our_own_network(blog, api, settings, url, allowed, says):
    """The webhook SSRF rules: no loopback/private address unless allowed, never link-local
    (cloud metadata), and plain http only for a local site; nothing is called."""
    settings.CONNECT_ALLOW_PRIVATE = allowed
    refused = api.post("/connections/demoblog/credentials", {"site_url": url, "api_key": KEY})
    assert refused.status_code == 400
    assert says in refused.json()["detail"]["site_url"][0]
    assert not blog.requests and not ChannelConnection.objects.exists()


def test_debug_allows_a_local_site(blog, api, settings):
    settings.CONNECT_ALLOW_PRIVATE, settings.DEBUG = False, True
    ok = api.post("/connections/demoblog/credentials", {"site_url": blog.url, "api_key": KEY})
    assert ok.status_code == 200, ok.content

import pytest
from django.test import Client

from accounts.services import api_token_create
from tests.factories import AccountFactory, MembershipFactory, UserFactory
from tests.fakes.ghost import FakeGhost
from tests.fakes.instagram import FakeInstagram
from tests.fakes.tiktok import FakeTikTok
from tests.fakes.webflow import FakeWebflow
from tests.fakes.wordpress import FakeWordPress
from tests.fakes.x import FakeX


@pytest.fixture
def owner(db):
    return UserFactory(email="owner@example.com")


@pytest.fixture
def account(owner):
    account = AccountFactory(name="Acme Coffee", slug="acme-coffee")
    MembershipFactory(user=owner, account=account, role="admin")
    return account


@pytest.fixture
def outsider(db):
    """A user with an account of their own, but no membership in `account`."""
    user = UserFactory(email="outsider@example.com")
    MembershipFactory(user=user, role="admin")
    return user


@pytest.fixture
def owner_client(owner) -> Client:
    client = Client()
    client.force_login(owner)
    return client


@pytest.fixture
def outsider_client(outsider) -> Client:
    client = Client()
    client.force_login(outsider)
    return client


@pytest.fixture
def api_token(account) -> str:
    return api_token_create(account=account, role="admin")[1]


@pytest.fixture
def api(api_token):
    """A JSON API client: api.get(path), api.post(path, json)."""

    class Api:
        def __init__(self, token: str):
            self.client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

        def get(self, path: str, **params):
            return self.client.get(f"/api/v1{path}", params)

        def post(self, path: str, payload: dict | None = None):
            return self.client.post(
                f"/api/v1{path}", payload or {}, content_type="application/json"
            )

    return Api(api_token)


def _point_at(settings, server, **credentials) -> None:
    rewrites = [tuple(pair.split("=", 1)) for pair in server.rewrites.split(",")]
    settings.SOCIALDIST_URL_REWRITES = [*settings.SOCIALDIST_URL_REWRITES, *rewrites]
    settings.PLATFORM_CREDENTIALS = {**settings.PLATFORM_CREDENTIALS, **credentials}


@pytest.fixture
def fake_instagram(settings):
    """A running fake Meta Graph API (Instagram and Facebook Pages); the app is pointed at it
    with SOCIALDIST_URL_REWRITES."""
    server = FakeInstagram().start()
    creds = {"client_id": server.client_id, "client_secret": server.client_secret}
    _point_at(settings, server, instagram=creds, facebook=creds)
    yield server
    server.stop()


@pytest.fixture
def fake_meta(fake_instagram):
    return fake_instagram


@pytest.fixture
def fake_tiktok(settings):
    server = FakeTikTok().start()
    _point_at(
        settings,
        server,
        tiktok={"client_id": server.client_key, "client_secret": server.client_secret},
    )
    # The app lets through exactly what the fake has verified (https://cdn.example.com/).
    settings.TIKTOK_VERIFIED_URL_PREFIXES = list(server.verified_prefixes)
    yield server
    server.stop()


@pytest.fixture
def fake_youtube(settings, db):
    """A running fake Google OAuth + YouTube Data API. The project counts as audited unless a
    test says otherwise. Quota counters live in the shared cache, which outlives a test on Redis
    (CI): each test starts with the day's budget unspent."""
    from django.core.cache import cache

    from tests.fakes.youtube import FakeYouTube

    cache.clear()

    server = FakeYouTube().start()
    _point_at(
        settings,
        server,
        youtube={"client_id": server.client_id, "client_secret": server.client_secret},
    )
    settings.YOUTUBE_PROJECT_AUDITED = True
    yield server
    server.stop()


@pytest.fixture
def fake_x(settings):
    """A running fake X API v2 (and the media files of its posts under cdn.example.com)."""
    server = FakeX().start()
    _point_at(settings, server, x={"client_id": server.client_id,
                                   "client_secret": server.client_secret})  # fmt: skip
    yield server
    server.stop()


@pytest.fixture
def fake_linkedin(settings):
    """A running fake LinkedIn (OAuth, Posts, Images/Videos/Documents APIs); media fetched by URL
    come from it at https://files.example.org/."""
    from tests.fakes.linkedin import FakeLinkedIn

    server = FakeLinkedIn().start()
    _point_at(
        settings,
        server,
        linkedin={"client_id": server.client_id, "client_secret": server.client_secret},
    )
    yield server
    server.stop()


@pytest.fixture
def fake_pinterest(settings, db):
    """A running fake Pinterest API v5; the app's daily request budget starts empty."""
    from django.core.cache import cache

    from channels.providers.pinterest import budget_key
    from tests.fakes.pinterest import FakePinterest

    server = FakePinterest().start()
    _point_at(
        settings,
        server,
        pinterest={"client_id": server.client_id, "client_secret": server.client_secret},
    )
    settings.PINTEREST_ACCESS_TIER = "trial"
    cache.delete(budget_key())
    yield server
    server.stop()


@pytest.fixture
def fake_wordpress(settings):
    """A running fake WordPress site on 127.0.0.1 (a local site: allowed, plain http), which
    also serves the test images of https://cdn.example.com."""
    server = FakeWordPress().start()
    _point_at(settings, server)
    settings.CONNECT_ALLOW_PRIVATE = True
    yield server
    server.stop()


@pytest.fixture
def fake_ghost(settings):
    """A running fake Ghost Admin API on 127.0.0.1 (a local site), which also serves the test
    images of https://cdn.example.com."""
    server = FakeGhost().start()
    _point_at(settings, server)
    settings.CONNECT_ALLOW_PRIVATE = True
    yield server
    server.stop()


@pytest.fixture
def fake_webflow(settings):
    """A running fake Webflow Data API (api.webflow.com, its asset uploads and the test images
    of https://cdn.example.com rewritten to it)."""
    server = FakeWebflow().start()
    _point_at(settings, server)
    settings.CONNECT_ALLOW_PRIVATE = True  # image fetches from the fake's 127.0.0.1
    yield server
    server.stop()

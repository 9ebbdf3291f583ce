"""Blog then social: the social targets of a post wait for its article and link to it.

No blog platform is registered yet, so a test-only article platform (declared like the blogs
will be: it publishes the `article` post type) and a test-only social network are registered
for these tests, each publishing to one fake site over real HTTP.
"""

import json
from datetime import timedelta

import pytest
import time_machine
from django.db import connection as db
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.services import api_token_create
from channels.http import PlatformError
from channels.limits import PlatformLimits, TypeLimits
from channels.providers import PROVIDERS
from channels.providers.base import Provider, Published
from publishing.articles import held_filter
from publishing.dispatch import dispatch_due
from publishing.models import AuditEntry, Post, PostTarget
from publishing.selectors import scheduler_health
from publishing.services import SYSTEM, post_create, target_transition
from tests.factories import MembershipFactory, ProfileFactory, UserFactory
from tests.fakes.server import FakeServer, Request, Response

pytestmark = pytest.mark.django_db
IMAGE = frozenset({"image"})


class FakeSites(FakeServer):
    """A blog (articles get a permalink from their slug) and a social network (posts)."""

    def __init__(self) -> None:
        super().__init__()
        self.articles: list[dict] = []
        self.social: list[dict] = []
        self.refuse_articles = False

    def handle(self, request: Request) -> Response:
        if request.path == "/blog/posts" and request.method == "POST":
            if self.refuse_articles:
                return Response(400, {"error": "The slug is taken."})
            self.articles.append(request.form)
            n = len(self.articles)
            return Response(201, {"id": f"a{n}", "url": f"https://blog.example.com/launch-{n}"})
        if request.path == "/social/posts" and request.method == "POST":
            self.social.append(request.form)
            return Response(201, {"id": f"s{len(self.social)}"})
        return Response(404, {"error": "Not found"})


class _Demo(Provider):
    base_url = ""
    has_metrics = False

    def list_profiles(self, *, access_token):
        return []

    def classify_error(self, response):
        if response.status_code == 400:
            return PlatformError("permanent", "refused", response.json()["error"])
        return None


class DemoArticleProvider(_Demo):
    slug = "demoarticle"
    name = "Demo Journal"
    limits = PlatformLimits(caption_max=100_000, post_types={"article": TypeLimits(0, 10, IMAGE)})

    def finish(self, request):
        body = {"title": request.content.title, "html": request.content.caption}
        answer = self.http.request("POST", self.base_url + "/blog/posts", json=body).json()
        return Published(platform_post_id=answer["id"], permalink=answer["url"])


class DemoSocialProvider(_Demo):
    slug = "demosocial"
    name = "Demo Social"
    limits = PlatformLimits(caption_max=3000, post_types={"feed": TypeLimits(0, 4, IMAGE)})

    def finish(self, request):
        body = {"text": request.content.caption}
        answer = self.http.request("POST", self.base_url + "/social/posts", json=body).json()
        return Published(platform_post_id=answer["id"], permalink="")


@pytest.fixture
def sites(monkeypatch):
    server = FakeSites().start()
    for provider in (DemoArticleProvider, DemoSocialProvider):
        monkeypatch.setattr(provider, "base_url", server.url)
        monkeypatch.setitem(PROVIDERS, provider.slug, provider)
    yield server
    server.stop()


@pytest.fixture
def blog(account, sites):
    return ProfileFactory(
        connection__account=account, connection__platform="demoarticle", name="Journal"
    )


@pytest.fixture
def social(account, sites):
    return ProfileFactory(
        connection__account=account, connection__platform="demosocial", name="Acme Social"
    )


def make_post(account, blog, social, *, caption="New on the blog: {article_url}", **kwargs):
    """Article in an hour (its own version), the social post due a minute ago."""
    now = timezone.now()
    defaults = {
        "versions": {"demoarticle": {"caption": "<p>Our launch</p>", "post_type": "article"}},
        "scheduled_at": now - timedelta(minutes=1),
    }
    post = post_create(
        account=account, actor=SYSTEM, caption=caption, post_type="feed", media=[],
        profile_ids=[blog.pk, social.pk], title="Launch", **{**defaults, **kwargs},
    )  # fmt: skip
    article = post.targets.get(profile=blog)
    target_transition(  # the article goes later than the social post would
        target=article, to="scheduled", actor=SYSTEM, scheduled_at=now + timedelta(hours=1)
    )
    return post, article, post.targets.get(profile=social)


def fresh(target: PostTarget) -> PostTarget:
    """As the pages read it: with its post's targets and versions."""
    return (
        PostTarget.objects.select_related("post", "profile")
        .prefetch_related("post__targets__profile", "post__versions")
        .get(pk=target.pk)
    )


# Holding and releasing -------------------------------------------------------------------------


def test_the_social_post_waits_while_the_article_is_scheduled(account, blog, social, sites):
    post, article, target = make_post(account, blog, social)
    for _ in range(2):  # re-checked on every tick, still held
        dispatch_due()
    target = fresh(target)
    assert target.status == "scheduled" and not sites.social
    assert target.status_label == "Waiting for the article"
    assert target.status_note == "Waiting for the article on Demo Journal (Journal) to go live."
    assert not target.audit.filter(to_status="publishing").exists()


def test_the_social_post_waits_while_the_article_is_publishing(account, blog, social, sites):
    post, article, target = make_post(account, blog, social)
    PostTarget.objects.filter(pk=article.pk).update(status="publishing", claim_token="x")
    dispatch_due()
    target.refresh_from_db()
    assert target.status == "scheduled" and not sites.social


def test_once_the_article_is_live_the_social_post_carries_its_link_with_utm(
    account, blog, social, sites
):
    post, article, target = make_post(account, blog, social)
    dispatch_due()
    assert not sites.social
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        result = dispatch_due()  # the article, then in the same run the post that waited
    article.refresh_from_db()
    target.refresh_from_db()
    assert (article.status, article.permalink) == ("published", "https://blog.example.com/launch-1")
    assert target.status == "published" and result.published == 2
    assert sites.articles == [{"title": "Launch", "html": "<p>Our launch</p>"}]
    link = (
        "https://blog.example.com/launch-1?utm_source=demosocial&utm_medium=social"
        f"&utm_campaign={account.slug}&utm_content={target.pk}"
    )
    assert sites.social == [{"text": f"New on the blog: {link}"}]


def test_a_worker_publishing_the_article_sends_its_social_posts_at_once(
    account, blog, social, sites, monkeypatch
):
    from publishing import tasks

    post, article, target = make_post(account, blog, social)
    sent = []
    monkeypatch.setattr(tasks.publish_target, "delay", lambda *args: sent.append(args))
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        tasks.process_due()
        (claimed,) = sent  # the article only
        assert tasks.publish_target(*claimed) == "published"
    target.refresh_from_db()
    assert target.status == "publishing"  # claimed for its own worker
    assert sent[1:] == [(target.pk, target.claim_token)]


def test_without_utm_the_link_goes_as_it_is(account, blog, social, sites):
    account.utm_enabled = False
    account.save()
    make_post(account, blog, social)
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        dispatch_due()
    assert sites.social == [{"text": "New on the blog: https://blog.example.com/launch-1"}]


def test_the_post_page_shows_the_link_once_known(account, blog, social, sites, owner_client):
    post, article, target = make_post(
        account, blog, social,
        versions={"demoarticle": {"caption": "<p>x</p>", "post_type": "article"}, "demosocial": {"caption": "Read {article_url}"}},
    )  # fmt: skip
    url = f"/a/{account.slug}/posts/{post.pk}/"
    page = owner_client.get(url).content.decode()
    assert "becomes its link once it is live" in page and "Read {article_url}" in page
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        dispatch_due()
    page = owner_client.get(url).content.decode()
    assert "Read https://blog.example.com/launch-1" in page


def test_a_failed_article_keeps_its_social_posts_waiting_and_says_why(account, blog, social, sites):
    sites.refuse_articles = True
    post, article, target = make_post(account, blog, social)
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        dispatch_due()
        dispatch_due()
    article.refresh_from_db()
    target = fresh(target)
    assert article.status == "failed" and target.status == "scheduled" and not sites.social
    assert target.status_note == (
        "Waiting: the article on Demo Journal (Journal) failed — retry or cancel it, or publish "
        "these without the article link."
    )


def test_a_cancelled_article_keeps_them_waiting_too(account, blog, social, sites):
    post, article, target = make_post(account, blog, social)
    target_transition(target=article, to="cancelled", actor=SYSTEM)
    dispatch_due()
    target = fresh(target)
    assert target.status == "scheduled" and not sites.social
    assert "the article on Demo Journal (Journal) was cancelled — restore it" in target.article_wait


def _release_url(account, post) -> str:
    return f"/a/{account.slug}/posts/{post.pk}/publish-without-article/"


@pytest.mark.parametrize("role", ["admin", "marketer"])
def test_managers_release_the_waiting_posts_and_the_placeholder_is_left_out(
    account, blog, social, sites, role
):
    sites.refuse_articles = True
    post, article, target = make_post(account, blog, social)
    user = UserFactory()
    MembershipFactory(user=user, account=account, role=role)
    client = Client()
    client.force_login(user)
    page = client.get(f"/a/{account.slug}/posts/{post.pk}/").content.decode()
    assert "Publish these without the article link" in page
    response = client.post(_release_url(account, post))
    assert response.status_code == 302
    target = fresh(target)
    assert target.status == "scheduled" and not target.article_wait
    assert AuditEntry.objects.filter(
        target=target, reason="published without waiting for the article", actor=user
    ).exists()
    dispatch_due()
    target.refresh_from_db()
    assert target.status == "published"
    assert sites.social == [{"text": "New on the blog:"}]


def test_reviewers_cannot_release_and_outsiders_get_a_404(
    account, blog, social, sites, outsider_client
):
    post, article, target = make_post(account, blog, social)
    reviewer = UserFactory()
    MembershipFactory(user=reviewer, account=account, role="reviewer")
    client = Client()
    client.force_login(reviewer)
    assert (
        "Publish these without"
        not in client.get(f"/a/{account.slug}/posts/{post.pk}/").content.decode()
    )
    assert client.post(_release_url(account, post)).status_code == 403
    assert outsider_client.post(_release_url(account, post)).status_code == 404
    assert fresh(target).article_wait


def test_the_api_releases_for_managers_only(account, blog, social, sites, api, client):
    post, article, target = make_post(account, blog, social)
    body = api.get(f"/posts/{post.pk}").json()
    assert body["wait_for_article"] is True
    (social_out,) = [t for t in body["targets"] if t["id"] == target.pk]
    assert social_out["status_detail"] == "Waiting for the article"
    assert "to go live" in social_out["note"]
    reviewer = api_token_create(account=account, role="reviewer")[1]
    denied = client.post(
        f"/api/v1/posts/{post.pk}/publish-without-article",
        HTTP_AUTHORIZATION=f"Bearer {reviewer}",
    )
    assert denied.status_code == 403
    ok = api.post(f"/posts/{post.pk}/publish-without-article")
    assert ok.status_code == 200, ok.content
    (social_out,) = [t for t in ok.json()["targets"] if t["id"] == target.pk]
    assert social_out["status_detail"] == "Scheduled"
    again = api.post(f"/posts/{post.pk}/publish-without-article")
    assert again.status_code == 409 and "waiting for the article" in again.json()["detail"]
    assert api.post("/posts/999999/publish-without-article").status_code == 404


def test_another_accounts_token_gets_a_404(account, blog, social, sites, outsider, client):
    post, article, target = make_post(account, blog, social)
    other = outsider.memberships.get().account
    token = api_token_create(account=other, role="admin")[1]
    response = client.post(
        f"/api/v1/posts/{post.pk}/publish-without-article", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 404 and fresh(target).article_wait


# The switch ------------------------------------------------------------------------------------


def test_switched_off_both_go_at_their_own_times(account, blog, social, sites):
    post, article, target = make_post(account, blog, social, caption="Hi", wait_for_article=False)
    dispatch_due()
    target.refresh_from_db()
    assert target.status == "published" and sites.social == [{"text": "Hi"}]
    assert not sites.articles  # its own time is an hour away


def test_without_the_placeholder_they_do_not_wait_unless_switched_on(account, blog, social, sites):
    make_post(account, blog, social, caption="Hi")
    dispatch_due()
    assert sites.social == [{"text": "Hi"}]
    post, article, target = make_post(account, blog, social, caption="Bye", wait_for_article=True)
    dispatch_due()
    target.refresh_from_db()
    assert target.status == "scheduled" and sites.social == [{"text": "Hi"}]


def test_the_placeholder_in_a_version_or_first_comment_switches_waiting_on(
    account, blog, social, sites
):
    make_post(account, blog, social, caption="Hi", first_comment="More: {article_url}")
    make_post(
        account, blog, social, caption="Hi",
        versions={"demoarticle": {"caption": "<p>x</p>", "post_type": "article"}, "demosocial": {"caption": "{article_url}"}},
    )  # fmt: skip
    dispatch_due()
    assert not sites.social


def test_the_dispatcher_holds_the_same_targets_the_pages_call_waiting(account, blog, social, sites):
    """The SQL rule and the sentence agree, whatever the switch and the captions."""
    cases = [
        {"caption": "Hi"},
        {"caption": "Hi", "wait_for_article": True},
        {"caption": "{article_url}"},
        {"caption": "x", "first_comment": "{article_url}"},
    ]
    targets = [make_post(account, blog, social, **case)[2] for case in cases]
    due = set(held_filter(PostTarget.objects.all()).values_list("pk", flat=True))
    for target in targets:
        assert (target.pk not in due) == bool(fresh(target).article_wait), target.post.caption


# Validation ------------------------------------------------------------------------------------


def test_the_placeholder_without_a_blog_is_an_error_in_the_api(account, social, sites, api):
    response = api.post("/posts", {"caption": "Read {article_url}", "targets": [social.pk]})
    assert response.status_code == 400
    (message,) = response.json()["detail"]["caption"]
    assert "goes to no blog: add a blog profile to the post, or remove {article_url}" in message
    assert not Post.objects.exists()


def test_editing_the_caption_to_use_the_placeholder_needs_a_blog(account, social, owner_client):
    post = post_create(
        account=account, actor=SYSTEM, caption="Hi", post_type="feed", media=[],
        profile_ids=[social.pk],
    )  # fmt: skip
    response = owner_client.post(
        f"/a/{account.slug}/posts/{post.pk}/edit/", {"caption": "Read {article_url}"}
    )
    assert "goes to no blog" in response.content.decode()
    post.refresh_from_db()
    assert post.caption == "Hi"


def test_the_placeholder_with_waiting_switched_off_is_an_error(account, blog, social, sites, api):
    response = api.post("/posts", {
        "caption": "Read {article_url}", "targets": [blog.pk, social.pk],
        "versions": {"demoarticle": {"caption": "<p>x</p>", "post_type": "article"}},
        "wait_for_article": False,
    })  # fmt: skip
    assert response.status_code == 400
    (message,) = response.json()["detail"]["wait_for_article"]
    assert "let the social posts wait for the article, or remove {article_url}" in message
    created = api.post("/posts", {
        "caption": "Read {article_url}", "targets": [blog.pk, social.pk],
        "versions": {"demoarticle": {"caption": "<p>x</p>", "post_type": "article"}},
    })  # fmt: skip
    assert created.status_code == 201, created.content
    assert created.json()["wait_for_article"] is True
    assert "wait_for_article" not in created.json()["options"]


def test_the_api_documents_the_switch(api):
    schema = api.get("/openapi.json").json()["components"]["schemas"]
    assert "{article_url}" in schema["PostIn"]["properties"]["wait_for_article"]["description"]
    assert "wait_for_article" in schema["PostOut"]["properties"]


def test_the_composer_offers_the_switch_and_names_the_placeholder_error(
    account, blog, social, sites, owner_client
):
    url = f"/a/{account.slug}/posts/new/"
    page = owner_client.get(url).content.decode()
    assert 'name="wait_for_article"' in page and "Social posts and the blog article" in page
    response = owner_client.post(url, {
        "caption": "Read {article_url}", "post_type": "feed", "profiles": [social.pk],
        "when": "slot",
    })  # fmt: skip
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "goes to no blog" in errors["caption"][0]
    response = owner_client.post(url, {
        "caption": "Read {article_url}", "post_type": "feed", "profiles": [blog.pk, social.pk],
        "when": "slot", "wait_for_article": "no",
        "demoarticle_customise": "on", "demoarticle_caption": "<p>x</p>",
        "demoarticle_post_type": "article",
    })  # fmt: skip
    assert "let the social posts wait" in response.context["form"].errors["wait_for_article"][0]
    response = owner_client.post(url, {
        "caption": "Hi", "post_type": "feed", "profiles": [blog.pk, social.pk],
        "when": "slot", "wait_for_article": "wait",
        "demoarticle_customise": "on", "demoarticle_caption": "<p>x</p>",
        "demoarticle_post_type": "article",
    })  # fmt: skip
    assert response.status_code == 302, response.context["form"].errors
    post = Post.objects.get()
    assert post.options == {"wait_for_article": True}
    edit = owner_client.get(f"/a/{account.slug}/posts/{post.pk}/compose/").content.decode()
    assert '<option value="wait" selected>' in edit


def test_an_account_without_a_blog_is_not_offered_the_switch(account, social, owner_client):
    page = owner_client.get(f"/a/{account.slug}/posts/new/").content.decode()
    assert 'name="wait_for_article"' not in page


def test_the_switch_is_never_sent_to_a_platform(account, blog, social, sites):
    from publishing.requests import publish_request

    post, article, target = make_post(account, blog, social, caption="Hi", wait_for_article=True)
    target = fresh(target)
    assert "wait_for_article" not in publish_request(target, None).options


# Cost and health -------------------------------------------------------------------------------


def _queries_of_a_tick() -> int:
    with CaptureQueriesContext(db) as queries:
        dispatch_due()
    return len(queries)


def test_held_targets_cost_the_dispatcher_no_query_each(account, blog, social, sites):
    make_post(account, blog, social)
    dispatch_due()  # the first tick also writes the heartbeat row
    one = _queries_of_a_tick()
    for _ in range(5):
        make_post(account, blog, social)
    assert _queries_of_a_tick() == one
    assert not sites.social


def test_held_targets_are_not_overdue_for_the_health_check(account, blog, social, sites):
    make_post(account, blog, social, scheduled_at=timezone.now() - timedelta(hours=2))
    dispatch_due()
    assert scheduler_health().overdue_count == 0


def test_the_queue_and_calendar_show_them_waiting(account, blog, social, sites, owner_client):
    post, article, target = make_post(account, blog, social)
    queue = owner_client.get(f"/a/{account.slug}/queue/").content.decode()
    assert "Waiting for the article" in queue
    day = timezone.localtime(target.scheduled_at).date().isoformat()
    calendar = owner_client.get(f"/a/{account.slug}/calendar/?view=week&date={day}")
    assert "Waiting for the article" in calendar.content.decode()


def test_json_round_trip_keeps_it_a_boolean(account, blog, social, sites, api):
    bad = api.post("/posts", {"caption": "x", "targets": [social.pk], "wait_for_article": "yes"})
    assert bad.status_code in (400, 422)
    assert json.loads(bad.content)["detail"]


def test_the_queue_reads_waiting_targets_in_a_fixed_number_of_queries(
    account, blog, social, sites, owner_client
):
    make_post(account, blog, social)
    url = f"/a/{account.slug}/queue/"
    owner_client.get(url)
    with CaptureQueriesContext(db) as one:
        owner_client.get(url)
    for _ in range(4):
        make_post(account, blog, social)
    with CaptureQueriesContext(db) as five:
        page = owner_client.get(url).content.decode()
    assert page.count("Waiting for the article") == 5
    assert len(five) == len(one)

"""Webflow: collections as profiles with a field map from their schema (editable per profile,
never per post), articles as staged items then published, 429 on publish, a duplicate slug, a
lost answer, drafts, and reports that say "no metrics from this channel" instead of zeros."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from channels.models import Profile
from publishing.dispatch import dispatch_due
from publishing.models import PostTarget
from tests.channels.providers.contract import settle
from tests.factories import MediaFactory, PostFactory

pytestmark = pytest.mark.django_db

BODY = "Hello [shop](https://shop.example.com/).\n\n![Beans](https://cdn.example.com/beans.png)\n"
AUTO = {"field_body": "post-body", "field_excerpt": "post-summary", "field_image": "main-image",
        "field_date": "published-on", "field_tags": "tags"}  # fmt: skip


@pytest.fixture
def profile(api, fake_webflow, settings, tmp_path) -> Profile:
    settings.MEDIA_ROOT = tmp_path
    answer = api.post("/connections/webflow/credentials", {"site_token": fake_webflow.token})
    assert answer.status_code == 200, answer.content
    profile = Profile.objects.get(platform="webflow", external_id="col-blog")
    profile.posting_mode = "automatic"
    profile.save(update_fields=["posting_mode"])
    return profile


def creates(fake) -> list:
    return [c for c in fake.calls("POST", "/items") if c.path.endswith("/items")]


def article(profile, *, mode="automatic", options=None, title="Bean report"):
    post = PostFactory(account=profile.account, post_type="article", title=title, caption=BODY,
                       options=options or {})  # fmt: skip
    MediaFactory(post=post, kind="image", url="https://cdn.example.com/cover.png", position=0)
    return PostTarget.objects.create(post=post, profile=profile, status="scheduled",
                                     scheduled_at=timezone.now(), posting_mode=mode)  # fmt: skip


def test_each_collection_is_a_profile_with_a_field_map_from_its_schema(profile, fake_webflow):
    assert profile.name == "Acme Site · Blog Posts"
    assert {k: profile.extra[k] for k in AUTO} == AUTO
    assert profile.extra["site_id"] == fake_webflow.site_id
    team = Profile.objects.get(platform="webflow", external_id="col-team")
    assert "field_body" not in team.extra  # no rich text field: a person must choose one
    assert fake_webflow.calls("GET", "/v2/token/introspect")
    assert profile.connection.renewable_until is None  # no expiry banners


def test_a_given_field_map_is_checked_against_the_schema(api, fake_webflow):
    values = {"site_token": fake_webflow.token, "collection_id": "col-blog",
              "field_map": '{"excerpt": "tags"}'}  # fmt: skip
    assert api.post("/connections/webflow/credentials", values).status_code == 200
    assert Profile.objects.get().extra["field_excerpt"] == "tags"
    values["field_map"] = '{"body": "content"}'
    refused = api.post("/connections/webflow/credentials", values)
    assert (
        "names content, which the collection Blog Posts does not have" in (refused.json()["detail"])
    )


def test_the_field_map_is_edited_per_profile_never_per_post(profile, owner_client, api):
    url = f"/a/{profile.account.slug}/channels/profiles/{profile.pk}/options/"
    page = owner_client.get(f"/a/{profile.account.slug}/channels/").content.decode()
    assert "Collection field for the body" in page and 'value="post-body"' in page
    prefix = f"webflow-{profile.pk}-"
    form = {prefix + k: v for k, v in AUTO.items()} | {prefix + "field_excerpt": "tags"}
    assert owner_client.post(url, form).status_code == 302
    profile.refresh_from_db()
    assert profile.extra["field_excerpt"] == "tags"
    refused = api.post("/posts", {
        "caption": "x", "title": "t", "post_type": "article", "targets": [profile.pk],
        "versions": {"webflow": {"options": {"field_body": "tags"}}},
    })  # fmt: skip
    assert refused.status_code in (400, 422)


def test_an_article_is_created_staged_then_published_with_its_assets(profile, fake_webflow):
    target = settle(article(profile, options={"excerpt": "Short.", "tags": ["Beans", "News"]}))
    assert target.status == "published", target.error_message
    (item,) = fake_webflow.published()
    data = item["fieldData"]
    assert (data["name"], data["slug"], data["post-summary"]) == ("Bean report", "bean-report",
                                                                   "Short.")  # fmt: skip
    assert data["tags"] == "Beans, News" and data["published-on"].endswith("Z")
    inline, featured = (a["hostedUrl"] for a in fake_webflow.assets)
    assert inline in data["post-body"] and "cdn.example.com" not in data["post-body"]
    assert data["main-image"]["url"] == featured
    assert len(fake_webflow.uploads) == 2  # each image's bytes went to storage once
    assert target.permalink == "https://www.acme-coffee.example/blog/bean-report"
    (create,) = creates(fake_webflow)
    assert create.form["isDraft"] is False


def test_a_429_on_publish_waits_and_publishes_the_same_item(profile, fake_webflow):
    fake_webflow.fail_rate_limit(path="/items/publish")
    target = article(profile)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        dispatch_due()
        waiting = PostTarget.objects.get(pk=target.pk)
        assert (waiting.status, waiting.attempts) == ("scheduled", 0)
        assert waiting.next_attempt_at == timezone.now() + timedelta(seconds=60)
        clock.shift(timedelta(seconds=61))
        dispatch_due()
    target.refresh_from_db()
    assert target.status == "published"
    assert len(fake_webflow.items) == 1 and len(creates(fake_webflow)) == 1


def test_the_rate_limit_per_minute_answers_429_with_retry_after(profile, fake_webflow):
    fake_webflow.rate_limit = len(fake_webflow.requests)  # spent by the connect
    target = settle(article(profile), ticks=1)
    assert (target.status, target.error_code) == ("scheduled", "429")
    assert target.next_attempt_at >= timezone.now() + timedelta(seconds=55)


def test_a_duplicate_slug_fails_with_webflows_reason(profile, fake_webflow):
    fake_webflow.duplicate_slug = True
    target = settle(article(profile))
    assert (target.status, target.error_code) == ("failed", "validation_error")
    assert "fieldData.slug: Unique value is already in database" in target.error_message


def test_a_lost_create_answer_publishes_the_item_found_by_slug(profile, fake_webflow):
    fake_webflow.drop(path="/items", method="POST")
    target = settle(article(profile))
    assert target.status == "published", target.error_message
    assert len(fake_webflow.items) == 1 and len(fake_webflow.published()) == 1


def test_manual_mode_leaves_a_draft_item_until_it_is_published(profile, fake_webflow):
    target = article(profile, mode="manual")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        dispatch_due()
        assert PostTarget.objects.get(pk=target.pk).status == "sent_to_drafts"
        (item,) = fake_webflow.items.values()
        assert item["isDraft"] is True and not fake_webflow.calls("POST", "/items/publish")
        fake_webflow.editor_publishes(item["id"])
        clock.shift(timedelta(minutes=30))
        dispatch_due()
    assert PostTarget.objects.get(pk=target.pk).status == "published"


def test_reports_say_no_metrics_from_this_channel_rather_than_zeros(profile, owner_client):
    target = settle(article(profile))
    assert target.status == "published"
    page = owner_client.get(f"/a/{profile.account.slug}/reports/").content.decode()
    assert "no metrics from this channel" in page
    assert "on Webflow" in page and "no metrics are in yet" not in page


def test_a_collection_without_a_body_field_is_refused_when_scheduling(profile, api):
    team = Profile.objects.get(platform="webflow", external_id="col-team")
    refused = api.post("/posts", {
        "caption": "x", "title": "t", "post_type": "article", "targets": [team.pk],
        "posting_mode": "automatic",
    })  # fmt: skip
    assert refused.status_code == 400, refused.content
    assert "takes the article's body, on the Channels page" in str(refused.json()["detail"])

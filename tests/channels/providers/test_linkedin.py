"""LinkedIn against its fake: the failures peers report, tokens, media, metrics and text."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from analytics.models import MetricSnapshot
from analytics.services import metrics_collect
from channels.lifecycle import tokens_check
from channels.models import ChannelConnection, Profile
from channels.providers import get_provider
from channels.providers.base import Content, MediaItem
from channels.providers.linkedin.text import little_text
from channels.services import connection_refresh
from publishing.models import PostTarget
from tests.channels.providers.contract import settle
from tests.factories import MediaFactory, PostFactory
from tests.fakes.linkedin import Post as FakePost
from tests.fakes.linkedin import li_error
from tests.helpers import connect

pytestmark = pytest.mark.django_db

FILES = "https://files.example.org"
MEMBER = "urn:li:person:abc123XYZ"
PAGE = "urn:li:organization:1001"


@pytest.fixture
def connected(fake_linkedin, account, owner_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = connect(platform="linkedin", account=account, client=owner_client)
    assert response.status_code == 302, response.content.decode()[-1500:]
    return ChannelConnection.objects.get(platform="linkedin")


def profile_for(urn: str) -> Profile:
    return Profile.objects.get(platform="linkedin", external_id=urn)


def make_target(profile: Profile, post_type: str = "feed", media=(), **post) -> PostTarget:
    post.setdefault("caption", f"Hello from {profile.name} #coffee")
    post = PostFactory(account=profile.account, post_type=post_type, **post)
    for position, (kind, url) in enumerate(media):
        MediaFactory(post=post, kind=kind, url=url, position=position)
    return PostTarget.objects.create(
        post=post, profile=profile, status="scheduled", scheduled_at=timezone.now(),
        posting_mode="automatic",
    )  # fmt: skip


# Connect -----------------------------------------------------------------------------------------


def test_the_member_and_the_pages_they_may_post_to_become_profiles(connected):
    profiles = {p.external_id: p for p in Profile.objects.filter(platform="linkedin")}
    # The ANALYST role on urn:li:organization:1003 may not post: no profile for it.
    assert set(profiles) == {MEMBER, PAGE, "urn:li:organization:1002"}
    assert profiles[MEMBER].name == "Dana Member"
    assert profiles[PAGE].name == "Acme Coffee" and profiles[PAGE].username == "acme-coffee"
    assert profiles[PAGE].extra["author_kind"] == "organization"
    assert connected.external_user_id == "abc123XYZ" and connected.refresh_token
    assert "w_member_social" in connected.scopes and connected.refresh_expires_at


def test_a_refresh_answer_without_a_refresh_token_keeps_ours(connected, fake_linkedin):
    original, until = connected.refresh_token, connected.refresh_expires_at
    fake_linkedin.refresh_omits_refresh_token = True
    assert connection_refresh(connection=connected)
    connected.refresh_from_db()
    assert connected.refresh_token == original and connected.refresh_expires_at == until
    assert connected.access_token in fake_linkedin.access_tokens


def test_a_reconnect_without_a_refresh_token_does_not_wipe_it(
    connected, fake_linkedin, account, owner_client
):
    original, until = connected.refresh_token, connected.refresh_expires_at
    fake_linkedin.issue_refresh_tokens = False  # the re-consent answer has none
    assert connect(platform="linkedin", account=account, client=owner_client).status_code == 302
    connected.refresh_from_db()
    assert connected.refresh_token == original
    assert connected.refresh_expires_at == until  # the expiry banner still knows the end
    assert connected.health == "active"


def test_tokens_are_refreshed_a_week_ahead_by_check_tokens(connected, fake_linkedin):
    old_access = connected.access_token
    with time_machine.travel(connected.token_expires_at - timedelta(days=6), tick=False):
        assert tokens_check().refreshed == 1
    connected.refresh_from_db()
    assert connected.access_token != old_access
    assert connected.token_expires_at > timezone.now() + timedelta(days=59)


def test_without_a_refresh_token_posts_are_held_and_people_warned(
    fake_linkedin, account, owner_client, owner, settings, tmp_path
):
    """Apps LinkedIn gives no programmatic refresh: the 7-day banner, the 3-day email, and an
    expired token holds the post instead of failing it."""
    settings.MEDIA_ROOT = tmp_path
    fake_linkedin.issue_refresh_tokens = False
    connect(platform="linkedin", account=account, client=owner_client)
    connection = ChannelConnection.objects.get(platform="linkedin")
    assert connection.refresh_token == ""
    expires = connection.token_expires_at
    with time_machine.travel(expires - timedelta(days=6), tick=False):
        connection.refresh_from_db()
        assert connection.health == "expiring"
        tokens_check()
        assert mail.outbox == []
    with time_machine.travel(expires - timedelta(days=2), tick=False):
        tokens_check()
    assert len(mail.outbox) == 1 and "LinkedIn" in mail.outbox[0].subject

    fake_linkedin.expire_access_tokens()
    target = settle(make_target(profile_for(MEMBER)))
    connection.refresh_from_db()
    assert (target.status, connection.status) == ("pending", "disconnected")
    assert fake_linkedin.published() == []


# Versions ----------------------------------------------------------------------------------------


def test_the_version_header_comes_from_the_setting(connected, fake_linkedin, settings):
    settings.LINKEDIN_VERSION = "202611"
    target = settle(make_target(profile_for(PAGE)))
    assert target.status == "published"
    assert set(fake_linkedin.versions_seen[-3:]) == {"202611"}


def test_a_sunset_version_is_a_clear_permanent_error_naming_the_setting(
    connected, fake_linkedin, settings
):
    settings.LINKEDIN_VERSION = "202508"
    fake_linkedin.sunset_versions = {"202508"}
    target = settle(make_target(profile_for(PAGE), media=[("image", f"{FILES}/a.jpg")]))
    assert (target.status, target.error_code) == ("failed", "linkedin_version_sunset")
    assert "LINKEDIN_VERSION" in target.error_message and "202508" in target.error_message
    assert target.attempts == 1 and fake_linkedin.published() == []


# Text --------------------------------------------------------------------------------------------


def test_commentary_is_little_text_and_hashtags_stay_hashtags():
    assert little_text("50% off (today) @home #coffee_beans *now*") == (
        r"50% off \(today\) \@home {hashtag|\#|coffee\_beans} \*now\*"
    )
    assert little_text(r"a\b [x] <y> {z} |w| ~v~ _u_") == (
        r"a\\b \[x\] \<y\> \{z\} \|w\| \~v\~ \_u\_"
    )


def test_the_3000_character_limit_counts_the_escaped_text():
    provider = get_provider("linkedin")
    plain = Content(post_type="feed", caption="x" * 3000, media=[])
    assert provider.validate(plain) == []
    escaped = Content(post_type="feed", caption="x" * 2990 + "(" * 10, media=[])
    assert provider.count_text(escaped.caption) == 3010
    (problem,) = provider.validate(escaped)
    assert problem.code == "caption_too_long"
    assert problem.message == (
        "Caption is 3010 characters once LinkedIn's escaping is added; LinkedIn allows 3000."
    )


def test_link_posts_need_their_link():
    provider = get_provider("linkedin")
    for post_type in ("document", "article"):
        (problem,) = provider.validate(Content(post_type=post_type, caption="Read", media=[]))
        assert (problem.code, problem.field) == ("link_missing", "link")
        assert "LinkedIn" in problem.message and "https://" in problem.message


def test_the_composer_counts_linkedin_s_way(owner_client, account, connected):
    profile = profile_for(PAGE)
    response = owner_client.post(
        f"/a/{account.slug}/posts/check/",
        {"caption": "x" * 2995 + "()()", "post_type": "feed", "profiles": [profile.pk]},
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert "3003 / 3000 characters" in page
    assert "Caption is 3003 characters once LinkedIn&#x27;s escaping is added" in page


# Media -------------------------------------------------------------------------------------------


def test_a_png_goes_as_a_jpeg_so_linkedin_never_sees_a_corrupt_header(connected, fake_linkedin):
    assert fake_linkedin.png_corrupt  # the failure peers report, switched on
    target = settle(make_target(profile_for(PAGE), media=[("image", f"{FILES}/logo.png")]))
    assert target.status == "published", target.error_message
    (image,) = [a for a in fake_linkedin.assets.values() if a.kind == "image"]
    assert image.mime == "image/jpeg" and image.status == "AVAILABLE"


def test_a_file_that_is_no_image_fails_before_anything_is_uploaded(connected, fake_linkedin):
    fake_linkedin.files["broken.jpg"] = b"<html>Not found</html>"
    target = settle(make_target(profile_for(PAGE), media=[("image", f"{FILES}/broken.jpg")]))
    assert (target.status, target.error_code) == ("failed", "image_corrupt")
    assert "Media 1" in target.error_message and "JPEG" in target.error_message
    assert fake_linkedin.assets == {} and fake_linkedin.published() == []


def test_multi_image_posts_take_each_image_once(connected, fake_linkedin):
    media = [("image", f"{FILES}/{n}.jpg") for n in range(3)]
    target = settle(make_target(profile_for(PAGE), "feed", media=media))
    assert target.status == "published"
    (post,) = fake_linkedin.published()
    assert len(post.content["multiImage"]["images"]) == 3
    assert len(fake_linkedin.calls("POST", "/rest/images")) == 3


def test_video_parts_follow_the_instructions_and_processing_waits(connected, fake_linkedin):
    fake_linkedin.processing_polls = 2
    fake_linkedin.fail_500(path="/part/1")  # the second part fails once
    target = make_target(profile_for(PAGE), "video", media=[("video", f"{FILES}/clip.mp4")])
    target = settle(target)
    assert target.status == "published", target.error_message
    (video,) = [a for a in fake_linkedin.assets.values() if a.kind == "video"]
    assert len(video.parts) == 3 and video.status == "AVAILABLE"
    assert target.platform_state["etags"] == [video.etags[n] for n in range(3)]
    # Resumed at the failed part: one initializeUpload, part 0 sent once, part 1 twice.
    assert len(fake_linkedin.calls("POST", "/rest/videos")) == 2  # initialize + finalize
    assert len(fake_linkedin.calls("PUT", "/part/0")) == 1
    assert len(fake_linkedin.calls("PUT", "/part/1")) == 2
    assert len(fake_linkedin.published()) == 1
    assert target.permalink == f"https://www.linkedin.com/feed/update/{target.platform_post_id}"


def test_failed_video_processing_fails_the_post_with_the_reason(connected, fake_linkedin):
    fake_linkedin.fail_processing = True
    target = make_target(profile_for(PAGE), "video", media=[("video", f"{FILES}/clip.mp4")])
    target = settle(target)
    assert (target.status, target.error_code) == ("failed", "media_processing_failed")
    assert fake_linkedin.published() == []


def test_a_document_post_uploads_the_linked_pdf(connected, fake_linkedin):
    target = settle(make_target(profile_for(MEMBER), "document", link=f"{FILES}/q3-deck.pdf"))
    assert target.status == "published", target.error_message
    (post,) = fake_linkedin.published()
    assert post.content["media"]["title"] == "q3 deck"
    assert post.content["media"]["id"].startswith("urn:li:document:")


def test_an_article_shares_the_link_with_its_title(connected, fake_linkedin):
    target = make_target(profile_for(MEMBER), "article", link="https://blog.example.com/a",
                         title="Fresh roast")  # fmt: skip
    assert settle(target).status == "published"
    (post,) = fake_linkedin.published()
    article = post.content["article"]
    assert article["title"] == "Fresh roast"
    assert article["source"].startswith("https://blog.example.com/a?utm_source=linkedin")


# Never published without a post ----------------------------------------------------------------


def test_a_201_without_an_id_is_never_reported_published(connected, fake_linkedin):
    fake_linkedin.omit_post_id = True
    target = make_target(profile_for(PAGE))
    with time_machine.travel(timezone.now(), tick=False):
        from publishing.dispatch import dispatch_due

        dispatch_due()
    target.refresh_from_db()
    assert target.status == "scheduled" and target.platform_post_id == ""
    assert target.error_code == "no_post_id"
    fake_linkedin.omit_post_id = False
    target = settle(target)
    assert target.status == "published" and target.platform_post_id.startswith("urn:li:share:")
    assert len(fake_linkedin.published()) == 1


def test_a_post_linkedin_then_does_not_show_fails_instead_of_succeeding(connected, fake_linkedin):
    fake_linkedin.ghost_posts = True
    target = settle(make_target(profile_for(PAGE)))
    assert (target.status, target.error_code) == ("failed", "post_not_found")
    assert "does not show it" in target.error_message and not target.platform_post_id


@pytest.mark.parametrize("fault", ["drop", "hang"])
def test_a_lost_create_is_found_by_author_without_a_second_post(
    connected, fake_linkedin, settings, fault
):
    settings.PLATFORM_HTTP_TIMEOUT = (2.0, 0.5)
    if fault == "drop":
        fake_linkedin.drop(path="/rest/posts", method="POST")
    else:
        fake_linkedin.hang(1.5, path="/rest/posts", method="POST")
    target = settle(make_target(profile_for(PAGE), caption="Lost (answer) #test"))
    assert target.status == "published", target.error_message
    assert len(fake_linkedin.published()) == 1
    assert fake_linkedin.calls("GET", "/rest/posts")  # looked it up by author


def test_a_daily_throttle_waits_until_midnight_utc(connected, fake_linkedin):
    fake_linkedin.fail_rate_limit(path="/rest/posts", daily=True)
    with time_machine.travel("2027-03-04 18:00:00+00:00", tick=False):
        from publishing.dispatch import dispatch_due

        target = make_target(profile_for(PAGE))
        dispatch_due()
        target.refresh_from_db()
        assert (target.status, target.attempts) == ("scheduled", 0)
        assert target.next_attempt_at.isoformat() == "2027-03-05T00:00:00+00:00"


def test_pages_cannot_post_to_connections_only(connected, fake_linkedin):
    target = make_target(profile_for(PAGE))
    target.post.options = {"visibility": "CONNECTIONS"}
    target.post.save(update_fields=["options"])
    target = settle(target)
    assert (target.status, target.error_code) == ("failed", "visibility_not_for_pages")
    assert fake_linkedin.published() == []


# Metrics -----------------------------------------------------------------------------------------


def test_metrics_page_statistics_member_analytics_and_one_social_actions_batch(
    connected, fake_linkedin
):
    page_post = settle(make_target(profile_for(PAGE), caption="Page post"))
    member_post = settle(make_target(profile_for(MEMBER), caption="Member post"))
    assert page_post.status == member_post.status == "published"
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        result = metrics_collect()
    assert result.collected == 2
    page = MetricSnapshot.objects.get(target=page_post, window="1h")
    member = MetricSnapshot.objects.get(target=member_post, window="1h")
    assert page.views and page.reach and page.clicks == 20 and page.likes is not None
    assert (member.views, member.reach, member.shares) == (800, 450, 2)
    assert len(fake_linkedin.calls("GET", "/rest/socialActions")) == 1  # one batch for both
    assert len(fake_linkedin.calls("GET", "/rest/organizationalEntityShareStatistics")) == 1


def test_member_posts_without_the_analytics_scope_read_social_actions(connected, fake_linkedin):
    connected.scopes = [s for s in connected.scopes if s != "r_member_postAnalytics"]
    connected.save(update_fields=["scopes"])
    target = settle(make_target(profile_for(MEMBER)))
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        assert metrics_collect().collected == 1
    snapshot = MetricSnapshot.objects.get(target=target, window="1h")
    assert snapshot.likes is not None and snapshot.views is None
    assert not fake_linkedin.calls("GET", "/rest/memberCreatorPostAnalytics")


def test_first_comments_go_through_social_actions(connected, fake_linkedin):
    target = make_target(profile_for(PAGE))
    target.post.first_comment = "Menu: https://example.com/menu"
    target.post.save(update_fields=["first_comment"])
    target = settle(target)
    assert target.status == "published"
    (post,) = fake_linkedin.published()
    assert [c["message"]["text"] for c in post.comments] == ["Menu: https://example.com/menu"]
    assert post.comments[0]["actor"] == PAGE


def test_a_library_png_goes_as_its_jpeg_rendition(connected, fake_linkedin):
    """A PNG from the media library is sent as the library's JPEG rendition (validation lets it
    through because it is convertible)."""
    provider = get_provider("linkedin")
    png = MediaItem(url="https://x/y.png", kind="image", mime_type="image/png",
                    jpeg_convertible=True)  # fmt: skip
    assert provider.validate(Content(post_type="feed", caption="", media=[png])) == []
    webp = MediaItem(url="https://x/y.webp", kind="image", mime_type="image/webp")
    (problem,) = provider.validate(Content(post_type="feed", caption="", media=[webp]))
    assert problem.code == "image_format"


def test_a_library_png_posted_through_the_api_goes_as_its_jpeg_rendition(
    connected, fake_linkedin, api, account
):
    from library.services import asset_upload
    from tests.media_files import image_bytes, upload

    asset = asset_upload(
        account=account, upload=upload("logo.png", image_bytes("PNG"), "image/png")
    )
    created = api.post("/posts", {
        "caption": "Our new logo", "post_type": "feed", "media": [{"asset_id": asset.pk}],
        "targets": [profile_for(PAGE).pk], "scheduled_at": "2026-01-01T09:00:00+00:00",
    })  # fmt: skip
    assert created.status_code == 201, created.content
    target = settle(PostTarget.objects.get(post_id=created.json()["id"]))
    assert target.status == "published", target.error_message
    (image,) = [a for a in fake_linkedin.assets.values() if a.kind == "image"]
    assert image.mime == "image/jpeg"
    asset.refresh_from_db()
    assert asset.jpeg_rendition  # the library made (and keeps) the rendition


def test_the_channels_page_offers_linkedin_and_lists_its_profiles(
    fake_linkedin, account, owner_client, settings, tmp_path
):
    url = f"/a/{account.slug}/channels/"
    assert "Connect LinkedIn" in owner_client.get(url).content.decode()
    start = owner_client.post(f"/a/{account.slug}/channels/connect/linkedin/")
    assert start["Location"].startswith(fake_linkedin.url + "/oauth/v2/authorization?")
    assert "scope=openid+profile+email+w_member_social" in start["Location"]
    connect(platform="linkedin", account=account, client=owner_client)
    page = owner_client.get(url).content.decode()
    assert "Dana Member" in page and "Acme Coffee" in page and "Acme Careers" in page
    assert "Acme Ads" not in page  # an analyst may not post


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://files.example.org/a.jpg", "media_url_insecure"),
        ("https://intranet.test/a.jpg", "media_url_private"),
        (f"{FILES}/gone.jpg", "media_unavailable"),
    ],
)
def test_media_links_are_fetched_only_over_https_from_public_hosts(
    connected, fake_linkedin, monkeypatch, url, code
):
    from tests.fakes.dns import FakeDNS

    FakeDNS().install(monkeypatch).answer("intranet.test", "10.0.0.5")
    fake_linkedin.files.clear()
    target = settle(make_target(profile_for(PAGE), media=[("image", url)]))
    assert (target.status, target.error_code) == ("failed", code)
    assert "Media 1" in target.error_message and fake_linkedin.assets == {}


def test_a_file_host_outage_is_retried(connected, fake_linkedin):
    fake_linkedin.fail_500(path="/files/")
    target = settle(make_target(profile_for(PAGE), media=[("image", f"{FILES}/a.jpg")]))
    assert target.status == "published" and target.attempts == 2


def test_the_composer_saves_a_linkedin_version_with_its_visibility(
    owner_client, account, connected
):
    from publishing.models import Post

    member = profile_for(MEMBER)
    url = f"/a/{account.slug}/posts/new/"
    form = owner_client.get(url).content.decode()
    assert 'data-network="linkedin"' in form and "Who can see this post" in form
    response = owner_client.post(url, {
        "caption": "Base text", "post_type": "feed", "profiles": [member.pk], "when": "draft",
        "linkedin_customise": "on", "linkedin_caption": "Just for LinkedIn (members)",
        "linkedin_post_type": "article", "linkedin_title": "Our story",
        "linkedin_visibility": "CONNECTIONS", "link": "https://blog.example.com/story",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[-2000:]
    post = Post.objects.get()
    (version,) = post.versions.all()
    assert (version.platform, version.caption, version.post_type, version.title) == (
        "linkedin", "Just for LinkedIn (members)", "article", "Our story",
    )  # fmt: skip
    assert post.options == {"visibility": "CONNECTIONS"}
    check = owner_client.post(f"/a/{account.slug}/posts/check/", {
        "caption": "Base text", "post_type": "feed", "profiles": [member.pk],
        "linkedin_customise": "on", "linkedin_caption": "Just for LinkedIn (members)",
    }, HTTP_HX_REQUEST="true").content.decode()  # fmt: skip
    assert "29 / 3000 characters" in check  # two escaped parentheses count


def test_after_failed_processing_a_retry_uploads_the_media_again(connected, fake_linkedin):
    from publishing.targets import target_retry
    from publishing.transitions import Actor

    fake_linkedin.fail_processing = True
    target = settle(make_target(profile_for(PAGE), media=[("image", f"{FILES}/a.jpg")]))
    assert (target.status, target.error_code) == ("failed", "media_processing_failed")
    fake_linkedin.fail_processing = False
    target_retry(target=target, actor=Actor(label="test"))
    target = settle(target)
    assert target.status == "published", target.error_message
    assert len(fake_linkedin.calls("POST", "/rest/images")) == 2
    (post,) = fake_linkedin.published()
    assert post.content["media"]["id"] == target.platform_state["images"][0]


def test_changed_media_are_uploaded_anew_on_retry(connected, fake_linkedin):
    from publishing.targets import target_retry
    from publishing.transitions import Actor

    fake_linkedin.fail(li_error(400, "ILLEGAL_ARGUMENT", "Bad post"), path="/rest/posts")
    target = settle(make_target(profile_for(PAGE), media=[("image", f"{FILES}/a.jpg")]))
    assert target.status == "failed"
    first = target.platform_state["images"]
    target.post.media.update(url=f"{FILES}/b.jpg")
    target_retry(target=target, actor=Actor(label="test"))
    target = settle(target)
    assert target.status == "published"
    assert target.platform_state["images"] != first
    (post,) = fake_linkedin.published()
    assert post.content["media"]["id"] == target.platform_state["images"][0]


def test_a_member_without_page_scopes_connects_their_own_profile(
    fake_linkedin, account, owner_client
):
    fake_linkedin.acls_denied = True
    assert connect(platform="linkedin", account=account, client=owner_client).status_code == 302
    assert [p.external_id for p in Profile.objects.filter(platform="linkedin")] == [MEMBER]


def test_page_posts_without_statistics_access_still_get_their_counts(connected, fake_linkedin):
    fake_linkedin.statistics_denied = True
    target = settle(make_target(profile_for(PAGE)))
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        assert metrics_collect().collected == 1
    snapshot = MetricSnapshot.objects.get(target=target, window="1h")
    assert snapshot.likes is not None and snapshot.views is None


def test_a_malformed_version_setting_says_how_to_write_it(connected, fake_linkedin, settings):
    settings.LINKEDIN_VERSION = "2026-10"
    target = settle(make_target(profile_for(PAGE)))
    assert (target.status, target.error_code) == ("failed", "linkedin_version_invalid")
    assert "LINKEDIN_VERSION is '2026-10'" in target.error_message
    assert "YYYYMM" in target.error_message and fake_linkedin.published() == []


def test_member_image_posts_go_out_though_members_cannot_read_their_images(
    connected, fake_linkedin
):
    target = settle(make_target(profile_for(MEMBER), media=[("image", f"{FILES}/a.jpg")]))
    assert target.status == "published", target.error_message
    assert fake_linkedin.calls("GET", "/rest/images/")  # looked, was refused (403), went on
    (post,) = fake_linkedin.published()
    assert post.author == MEMBER and post.content["media"]["id"].startswith("urn:li:image:")


def test_a_worker_lost_after_the_create_is_settled_from_the_author_s_posts(
    connected, fake_linkedin
):
    import time

    from publishing.dispatch import targets_reconcile_stuck

    target = make_target(profile_for(PAGE), caption="Crash (after) create")
    sent = int(time.time() * 1000)
    fake_linkedin.posts["urn:li:share:42"] = FakePost(
        urn="urn:li:share:42", author=PAGE, commentary=little_text("Crash (after) create"),
        visibility="PUBLIC", content={}, created_at=sent + 500,
    )  # fmt: skip
    PostTarget.objects.filter(pk=target.pk).update(
        status="publishing", claim_token="lost", claimed_at=timezone.now() - timedelta(hours=1),
        platform_state={"post_requested_at": sent, "media_ready": True},
    )  # fmt: skip
    assert targets_reconcile_stuck() == 1
    target.refresh_from_db()
    assert (target.status, target.platform_post_id) == ("published", "urn:li:share:42")
    assert not fake_linkedin.calls("POST", "/rest/posts") and len(fake_linkedin.published()) == 1


def test_a_worker_lost_before_the_create_publishes_once_later(connected, fake_linkedin):
    from publishing.dispatch import targets_reconcile_stuck

    target = make_target(profile_for(PAGE))
    PostTarget.objects.filter(pk=target.pk).update(
        status="publishing", claim_token="lost", claimed_at=timezone.now() - timedelta(hours=1),
    )  # fmt: skip
    assert targets_reconcile_stuck() == 1
    target.refresh_from_db()
    assert target.status == "scheduled"
    assert settle(target).status == "published" and len(fake_linkedin.published()) == 1


@pytest.mark.parametrize(
    ("status", "code", "outcome"),
    [
        (422, "UNPROCESSABLE_ENTITY", ("scheduled", 1)),  # e.g. media not ready: try again
        (409, "DUPLICATE_POST", ("failed", 1)),
        (400, "FIELD_LENGTH_TOO_LONG", ("failed", 1)),
    ],
)
def test_refusals_of_the_create_are_classified(connected, fake_linkedin, status, code, outcome):
    from publishing.dispatch import dispatch_due

    fake_linkedin.fail(li_error(status, code, "Refused"), path="/rest/posts", method="POST")
    target = make_target(profile_for(PAGE))
    with time_machine.travel(timezone.now(), tick=False):
        dispatch_due()
    target.refresh_from_db()
    assert (target.status, target.attempts) == outcome and target.error_code == code
    assert "LinkedIn" in target.error_message or status == 422


def test_a_post_linkedin_will_not_let_us_read_keeps_its_id(connected, fake_linkedin):
    fake_linkedin.fail(li_error(403, "ACCESS_DENIED", "No read"), path="/rest/posts/", method="GET")
    target = settle(make_target(profile_for(MEMBER)))
    assert target.status == "published" and target.platform_post_id.startswith("urn:li:share:")


def test_a_document_link_that_is_no_pdf_fails_before_upload(connected, fake_linkedin):
    fake_linkedin.files["deck.pdf"] = b"<html>Sign in to download</html>"
    target = settle(make_target(profile_for(PAGE), "document", link=f"{FILES}/deck.pdf"))
    assert (target.status, target.error_code) == ("failed", "document_not_pdf")
    assert not fake_linkedin.calls("POST", "/rest/documents")


def test_media_larger_than_linkedin_takes_are_not_fetched_whole(
    connected, fake_linkedin, monkeypatch
):
    from channels.providers.linkedin import media

    monkeypatch.setattr(media, "MAX_FETCH_BYTES", 1024 * 1024)
    target = settle(make_target(profile_for(PAGE), "video", media=[("video", f"{FILES}/v.mp4")]))
    assert (target.status, target.error_code) == ("failed", "media_too_large")
    assert not fake_linkedin.calls("POST", "/rest/videos")


def test_an_expired_upload_address_starts_the_upload_again(connected, fake_linkedin):
    fake_linkedin.fail(li_error(403, "ACCESS_DENIED", "Upload URL expired"), path="/dms-uploads/")
    target = settle(make_target(profile_for(PAGE), media=[("image", f"{FILES}/a.jpg")]))
    assert target.status == "published", target.error_message
    assert len(fake_linkedin.calls("POST", "/rest/images")) == 2  # a fresh initializeUpload
    (post,) = fake_linkedin.published()
    assert post.content["media"]["id"] == target.platform_state["images"][0]


def test_an_uploaded_video_goes_part_by_part_from_storage(connected, fake_linkedin):
    from django.core.files.base import ContentFile

    from publishing.models import PostMedia

    post = PostFactory(account=connected.account, post_type="video", caption="Behind the bar")
    media = PostMedia(post=post, kind="video", mime_type="video/mp4")
    body = bytes(range(256)) * (9 * 1024 * 4 + 7)  # ~9.4 MB: three parts
    media.file.save("clip.mp4", ContentFile(body), save=True)
    target = PostTarget.objects.create(
        post=post, profile=profile_for(PAGE), status="scheduled", scheduled_at=timezone.now(),
        posting_mode="automatic",
    )  # fmt: skip
    target = settle(target)
    assert target.status == "published", target.error_message
    (video,) = [a for a in fake_linkedin.assets.values() if a.kind == "video"]
    assert video.size == len(body) and len(video.parts) == 3
    sent = b"".join(r.body for r in fake_linkedin.requests if "/part/" in r.path)
    assert sent == body
    assert not fake_linkedin.calls("GET", "/files/")  # our own file, not fetched over HTTP


def test_a_post_linkedin_cannot_look_up_by_id_stands_when_its_list_cannot_tell(
    connected, fake_linkedin
):
    """Only the author's own list saying the post is missing fails it: a look-up by id that
    404s while the list cannot be read (or shows the post) keeps the id."""
    missing = li_error(404, "NOT_FOUND", "No route")
    fake_linkedin.fail(missing, path="/rest/posts/", method="GET")
    target = settle(make_target(profile_for(PAGE)))
    assert target.status == "published" and len(fake_linkedin.published()) == 1
    fake_linkedin.fail(missing, path="/rest/posts/", method="GET")
    fake_linkedin.fail(li_error(403, "ACCESS_DENIED", "No list"), path="/rest/posts", method="GET")
    target = settle(make_target(profile_for(PAGE), caption="Second"))
    assert target.status == "published" and len(fake_linkedin.published()) == 2


def test_without_the_batch_finder_each_post_is_read_on_its_own(connected, fake_linkedin):
    fake_linkedin.social_batch = False
    fake_linkedin.statistics_denied = True
    first = settle(make_target(profile_for(PAGE), caption="One"))
    second = settle(make_target(profile_for(PAGE), caption="Two"))
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        assert metrics_collect().collected == 2
    for target in (first, second):
        assert MetricSnapshot.objects.get(target=target, window="1h").likes is not None
    assert len(fake_linkedin.calls("GET", "/rest/socialActions/")) == 2


def test_an_older_post_with_the_same_text_is_not_taken_for_a_lost_one(connected, fake_linkedin):
    fake_linkedin.posts["urn:li:share:41"] = FakePost(
        urn="urn:li:share:41", author=PAGE, commentary=little_text("Same words"),
        visibility="PUBLIC", content={}, created_at=1_700_000_000_000,
    )  # fmt: skip
    fake_linkedin.omit_post_id = True  # the create posts nothing and says no id
    target = make_target(profile_for(PAGE), caption="Same words")
    with time_machine.travel(timezone.now(), tick=False):
        from publishing.dispatch import dispatch_due

        dispatch_due()
    target.refresh_from_db()
    assert target.status == "scheduled" and target.platform_post_id == ""


def test_a_post_list_without_ids_cannot_fail_a_post(connected, fake_linkedin, monkeypatch):
    original = type(fake_linkedin)._post_json
    monkeypatch.setattr(
        type(fake_linkedin), "_post_json",
        lambda self, post: {k: v for k, v in original(self, post).items() if k != "id"},
    )  # fmt: skip
    fake_linkedin.fail(li_error(404, "NOT_FOUND", "No route"), path="/rest/posts/", method="GET")
    fake_linkedin.posts["urn:li:share:40"] = FakePost(
        urn="urn:li:share:40", author=PAGE, commentary="Another", visibility="PUBLIC",
        content={}, created_at=0,
    )  # fmt: skip
    target = settle(make_target(profile_for(PAGE)))
    assert target.status == "published"

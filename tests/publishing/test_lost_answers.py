"""A lost answer never becomes a second post (issue 13): the provider contract case run for every
registered provider. Each fake performs the call, then drops the connection without answering —
on the final publish call and on a media upload — and the platform must end up with exactly one
post, the target `published` (found by the provider's `reconcile`) or `unconfirmed` for a person,
never two posts."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.utils import timezone

from channels.models import Profile
from channels.providers import PROVIDERS
from channels.services import credentials_connect
from publishing.dispatch import dispatch_due
from publishing.models import PostMedia, PostTarget
from tests.factories import MediaFactory, PostFactory, TargetFactory
from tests.helpers import connect

pytestmark = pytest.mark.django_db


@dataclass
class Case:
    fake: str  # the fixture name of the platform's fake server
    target: Callable  # (account, owner_client, fake, upload: bool) -> PostTarget
    final_call: str  # the path of the call that makes the post public
    upload_call: str  # the path of a media upload before it
    posts: Callable  # (fake) -> how many posts exist on the platform
    final_method: str = ""  # where the final call shares its path with another call


def instagram_target(account, owner_client, fake, upload):
    fake.tokens.add("live-token")
    target = TargetFactory(
        post__account=account, profile__external_id="1784140001",
        profile__connection__account=account, profile__connection__access_token="live-token",
    )  # fmt: skip
    MediaFactory(post=target.post)
    return target


def facebook_target(account, owner_client, fake, upload):
    assert connect(platform="facebook", account=account, client=owner_client).status_code == 302
    page = Profile.objects.get(platform="facebook")
    post = PostFactory(account=account, caption="Hello Facebook")
    if upload:  # two photos: uploaded unpublished, then attached to one feed post
        for n in range(2):
            MediaFactory(post=post, url=f"https://cdn.example.com/{n}.jpg", position=n)
    return PostTarget.objects.create(
        post=post, profile=page, status="scheduled", scheduled_at=timezone.now()
    )


def tiktok_target(account, owner_client, fake, upload):
    assert connect(platform="tiktok", account=account, client=owner_client).status_code == 302
    creator = Profile.objects.get(platform="tiktok")
    creator.extra = {**creator.extra, "privacy_level": "PUBLIC_TO_EVERYONE"}
    creator.posting_mode = "automatic"
    creator.save()
    post = PostFactory(account=account, post_type="video", caption="Watch this #fyp")
    if upload:  # a file we hold goes up in chunks (FILE_UPLOAD)
        media = PostMedia(post=post, kind="video", mime_type="video/mp4")
        media.file.save("clip.mp4", ContentFile(b"\0" * (3 * 1024 * 1024)), save=True)
    else:  # a verified URL TikTok pulls (PULL_FROM_URL)
        MediaFactory(post=post, kind="video", url="https://cdn.example.com/clip.mp4")
    return PostTarget.objects.create(
        post=post, profile=creator, status="scheduled", scheduled_at=timezone.now(),
        posting_mode="automatic",
    )  # fmt: skip


def linkedin_target(account, owner_client, fake, upload):
    assert connect(platform="linkedin", account=account, client=owner_client).status_code == 302
    page = Profile.objects.get(platform="linkedin", external_id="urn:li:organization:1001")
    post = PostFactory(account=account, caption="Hello (LinkedIn) #coffee")
    if upload:  # two images, each uploaded (PUT) before the post
        for n in range(2):
            MediaFactory(post=post, url=f"https://files.example.org/{n}.jpg", position=n)
    return PostTarget.objects.create(
        post=post, profile=page, status="scheduled", scheduled_at=timezone.now()
    )


def x_target(account, owner_client, fake, upload):
    assert connect(platform="x", account=account, client=owner_client).status_code == 302
    profile = Profile.objects.get(platform="x")
    post = PostFactory(account=account, caption="Fresh roast today ☕")
    if upload:  # one photo through the v2 chunked upload before the post
        MediaFactory(post=post, url="https://cdn.example.com/0.jpg")
    return PostTarget.objects.create(
        post=post, profile=profile, status="scheduled", scheduled_at=timezone.now()
    )


def youtube_target(account, owner_client, fake, upload):
    assert connect(platform="youtube", account=account, client=owner_client).status_code == 302
    channel = Profile.objects.get(platform="youtube")
    post = PostFactory(account=account, post_type="video", caption="How we roast",
                       title="Roast day", options={"made_for_kids": "no"})  # fmt: skip
    MediaFactory(post=post, kind="video", url="https://cdn.example.com/roast.mp4")
    return PostTarget.objects.create(
        post=post, profile=channel, status="scheduled", scheduled_at=timezone.now()
    )


def pinterest_target(account, owner_client, fake, upload):
    assert connect(platform="pinterest", account=account, client=owner_client).status_code == 302
    pinner = Profile.objects.get(platform="pinterest")
    board = pinner.extra["boards"][0]["id"]
    post = PostFactory(account=account, post_type="pin", caption="Autumn menu",
                       title="Autumn menu", link="https://acme.example.com/menu",
                       options={"board_id": board})  # fmt: skip
    if upload:  # a video pin: registered, sent to the upload host, then pinned with its cover
        post.post_type = "video"
        post.save()
        media = PostMedia(post=post, kind="video", mime_type="video/mp4")
        media.file.save("clip.mp4", ContentFile(b"\0" * (1024 * 1024)), save=True)
        MediaFactory(post=post, url="https://cdn.example.com/cover.jpg", position=1)
    else:
        MediaFactory(post=post, url="https://cdn.example.com/0.jpg")
    return PostTarget.objects.create(
        post=post, profile=pinner, status="scheduled", scheduled_at=timezone.now()
    )


BLOG_VALUES = {
    "wordpress": lambda fake: {"site_url": fake.url, "username": fake.username,
                               "application_password": fake.password},
    "ghost": lambda fake: {"admin_url": fake.url, "admin_api_key": fake.admin_api_key},
    "webflow": lambda fake: {"site_token": fake.token, "collection_id": "col-blog"},
}  # fmt: skip


def blog_target(platform):
    def target(account, owner_client, fake, upload):
        credentials_connect(account=account, platform=platform, values=BLOG_VALUES[platform](fake))
        blog = Profile.objects.filter(platform=platform).first()
        post = PostFactory(account=account, post_type="article", title="Fresh roast",
                           caption="A new roast is in. [Shop](https://shop.example.com/beans)")  # fmt: skip
        if upload:  # the featured image goes up to the CMS before the article
            MediaFactory(post=post, kind="image", url="https://cdn.example.com/cover.png")
        return PostTarget.objects.create(post=post, profile=blog, status="scheduled",
                                         scheduled_at=timezone.now(), posting_mode="automatic")  # fmt: skip

    return target


CASES = {
    "instagram": Case("fake_instagram", instagram_target, "/media_publish", "/media",
                      lambda fake: fake.published_count()),
    "facebook": Case("fake_meta", facebook_target, "/feed", "/photos",
                     lambda fake: len(fake.fb_posts)),
    "tiktok": Case("fake_tiktok", tiktok_target, "/v2/post/publish/video/init/", "/upload/",
                   lambda fake: len([p for p in fake.publishes.values() if p.mode == "direct"])),
    "linkedin": Case("fake_linkedin", linkedin_target, "/rest/posts", "/dms-uploads/",
                     lambda fake: len(fake.published())),
    "x": Case("fake_x", x_target, "/2/tweets", "/2/media/upload/initialize",
              lambda fake: len(fake.roots())),
    # One resumable upload: the session start, then the PUT whose last byte makes the video.
    "youtube": Case("fake_youtube", youtube_target, "/upload/youtube/v3/videos",
                    "/upload/youtube/v3/videos", lambda fake: len(fake.videos),
                    final_method="PUT"),
    "pinterest": Case("fake_pinterest", pinterest_target, "/v5/pins", "/v5/media",
                      lambda fake: len(fake.pins), final_method="POST"),
    # Blogs: the create call shares its path with the slug look-up (a GET).
    "wordpress": Case("fake_wordpress", blog_target("wordpress"), "/wp-json/wp/v2/posts",
                      "/wp-json/wp/v2/media", lambda fake: len(fake.published()),
                      final_method="POST"),
    "ghost": Case("fake_ghost", blog_target("ghost"), "/ghost/api/admin/posts/",
                  "/ghost/api/admin/images/upload/", lambda fake: len(fake.published()),
                  final_method="POST"),
    "webflow": Case("fake_webflow", blog_target("webflow"), "/items/publish", "/assets",
                    lambda fake: len(fake.published())),
}  # fmt: skip


def test_every_registered_provider_runs_the_lost_answer_case():
    assert set(CASES) == set(PROVIDERS)


def settle(target) -> PostTarget:
    """Tick the dispatcher through retries and processing waits until the target settles."""
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(12):
            dispatch_due()
            current = PostTarget.objects.get(pk=target.pk)
            if current.status in ("published", "failed"):
                return current
            clock.shift(timedelta(minutes=30))
    return PostTarget.objects.get(pk=target.pk)


@pytest.mark.parametrize("platform", sorted(CASES))
@pytest.mark.parametrize("where", ["final call", "media upload"])
def test_a_dropped_answer_leaves_exactly_one_post(
    request, platform, where, account, owner_client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    case = CASES[platform]
    fake = request.getfixturevalue(case.fake)
    target = case.target(account, owner_client, fake, where == "media upload")
    if where == "final call":
        fake.drop(path=case.final_call, method=case.final_method)
    else:
        fake.drop(path=case.upload_call)
    target = settle(target)
    assert case.posts(fake) == 1, f"{platform}: {case.posts(fake)} posts"
    assert target.status == "published" or (target.status, target.error_code) == (
        "failed",
        "unconfirmed",
    )
    if target.status == "published":
        assert target.platform_post_id


def test_a_lost_tiktok_pull_that_cannot_be_found_waits_for_a_person(
    account, owner_client, fake_tiktok
):
    target = tiktok_target(account, owner_client, fake_tiktok, upload=False)
    fake_tiktok.list_hides = True  # still in moderation: not among the creator's videos yet
    fake_tiktok.drop(path="/v2/post/publish/video/init/")
    target = settle(target)
    assert (target.status, target.error_code) == ("failed", "unconfirmed")
    assert "TikTok may have published this post" in target.error_message
    assert "tell us whether it was posted" in target.error_message
    inits = fake_tiktok.calls("POST", "/v2/post/publish/video/init/")
    assert len(inits) == 1  # never re-initialised blindly


def test_a_lost_tiktok_pull_is_found_among_recent_videos(account, owner_client, fake_tiktok):
    target = tiktok_target(account, owner_client, fake_tiktok, upload=False)
    fake_tiktok.drop(path="/v2/post/publish/video/init/")
    target = settle(target)
    assert target.status == "published" and target.permalink.startswith(
        "https://www.tiktok.com/@brandtok/video/"
    )
    assert len(fake_tiktok.calls("POST", "/v2/post/publish/video/init/")) == 1


def test_when_the_platform_cannot_be_asked_the_next_try_looks_first(
    account, owner_client, fake_meta
):
    """An outage: the answer is lost and the lookup fails too. The retry looks again before
    posting, finds the post and publishes nothing twice."""
    target = facebook_target(account, owner_client, fake_meta, upload=False)
    fake_meta.drop(path="/feed", method="POST")
    fake_meta.fail_500(times=1, path="/feed")  # the GET that looks for the post
    with time_machine.travel(timezone.now(), tick=False) as clock:
        dispatch_due()
        waiting = PostTarget.objects.get(pk=target.pk)
        assert (waiting.status, waiting.platform_state.get("lost_answer")) == ("scheduled", True)
        clock.shift(timedelta(minutes=1))
        dispatch_due()
    target = PostTarget.objects.get(pk=target.pk)
    assert target.status == "published" and len(fake_meta.fb_posts) == 1
    assert len(fake_meta.calls("POST", "/feed")) == 1

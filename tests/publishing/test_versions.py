"""One post adapted per network (issue 15 part 1 and 6): versions per platform or profile, the
effective content each target validates and publishes, the API's `versions`, and a change to a
version being a new version of the post."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from channels.models import Profile
from publishing.approval import Reviewer, digests_send, post_versions_set, review_link_create
from publishing.dispatch import dispatch_due
from publishing.models import Post, PostTarget, PostVersion
from publishing.services import Actor
from tests.factories import MembershipFactory, UserFactory
from tests.helpers import connect

pytestmark = pytest.mark.django_db
VIDEO = {"url": "https://cdn.example.com/clip.mp4", "kind": "video"}
IMAGES = [{"url": f"https://cdn.example.com/{n}.jpg", "kind": "image"} for n in range(3)]


@pytest.fixture
def networks(owner_client, account, fake_meta, fake_tiktok) -> dict[str, Profile]:
    """Instagram, Facebook Pages and TikTok connected through their fakes; TikTok posts directly."""
    for platform in ("instagram", "facebook", "tiktok"):
        assert connect(platform=platform, account=account, client=owner_client).status_code == 302
    creator = Profile.objects.get(platform="tiktok")
    creator.posting_mode = "automatic"
    creator.save(update_fields=["posting_mode"])
    return {p.platform: p for p in Profile.objects.filter(account=account)}


def create(api, networks, **body):
    at = (timezone.now() + timedelta(minutes=5)).isoformat()
    payload = {"caption": "Base caption", "targets": [p.pk for p in networks.values()],
               "scheduled_at": at, **body}  # fmt: skip
    return api.post("/posts", payload)


def publish_all() -> None:
    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False) as clock:
        for _ in range(6):
            dispatch_due()
            clock.shift(timedelta(minutes=2))


def test_one_upload_goes_out_as_a_reel_a_video_and_a_facebook_reel_with_its_own_caption(
    api, networks, fake_meta, fake_tiktok
):
    response = create(
        api, networks, post_type="reel", media=[VIDEO],
        versions={
            "tiktok": {"post_type": "video", "caption": "For TikTok #fyp",
                       "options": {"privacy_level": "PUBLIC_TO_EVERYONE"}},
            "facebook": {"caption": "For Facebook", "first_comment": "Link in bio"},
        },
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["versions"] == {
        "facebook": {"caption": "For Facebook", "first_comment": "Link in bio"},
        "tiktok": {"caption": "For TikTok #fyp", "post_type": "video",
                   "options": {"privacy_level": "PUBLIC_TO_EVERYONE"}},
    }  # fmt: skip
    types = {t["platform"]: t["post_type"] for t in body["targets"]}
    assert types == {"instagram": "reel", "facebook": "reel", "tiktok": "video"}
    assert Post.objects.count() == 1 and PostTarget.objects.count() == 3

    publish_all()
    statuses = dict(PostTarget.objects.values_list("profile__platform", "status"))
    assert statuses == {"instagram": "published", "facebook": "published", "tiktok": "published"}
    (container,) = fake_meta.containers.values()
    assert (container.params["media_type"], container.params["caption"]) == (
        "REELS", "Base caption",
    )  # fmt: skip
    (reel,) = fake_meta.fb_videos.values()
    assert reel["description"] == "For Facebook"
    (publish,) = fake_tiktok.publishes.values()
    assert (publish.kind, publish.title, publish.privacy) == (
        "video", "For TikTok #fyp", "PUBLIC_TO_EVERYONE",
    )  # fmt: skip


def test_each_network_checks_its_own_version(api, networks):
    too_long = "x" * 2300  # over Instagram's and TikTok's 2,200, fine for Facebook
    response = create(
        api, networks, caption=too_long, media=[VIDEO], post_type="reel",
        versions={"instagram": {"caption": "Short"},
                  "tiktok": {"post_type": "video", "caption": "y" * 2201,
                             "options": {"privacy_level": "SELF_ONLY"}}},
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["detail"] == {
        "versions.tiktok.caption": [
            "Caption is 2201 characters; TikTok allows 2200 — shorten it by 1."
        ]
    }
    assert not Post.objects.exists()


def test_a_problem_in_the_base_names_the_base_field(api, networks):
    response = create(api, networks, caption="x" * 2300, media=[VIDEO], post_type="reel",
                      versions={"tiktok": {"post_type": "video",
                                           "options": {"privacy_level": "SELF_ONLY"}}})  # fmt: skip
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert set(detail) == {"caption"}
    assert (
        "Caption is 2300 characters; Instagram allows 2200 — shorten it by 100."
        in detail["caption"]
    )
    assert (
        "Caption is 2300 characters; TikTok allows 2200 — shorten it by 100." in detail["caption"]
    )


def test_media_subset_and_order_per_network(api, networks, fake_meta):
    body = create(
        api, {"instagram": networks["instagram"], "facebook": networks["facebook"]},
        post_type="carousel", media=IMAGES,
        versions={"instagram": {"media": [2, 0]}, "facebook": {"post_type": "feed", "media": [1]}},
    ).json()  # fmt: skip
    assert body["versions"]["instagram"] == {"media": [2, 0]}
    publish_all()
    children = [c.params.get("image_url") for c in fake_meta.containers.values()
                if c.params.get("is_carousel_item")]  # fmt: skip
    assert children == [IMAGES[2]["url"], IMAGES[0]["url"]]
    (fb_post,) = fake_meta.fb_posts.values()
    assert fb_post["message"] == "Base caption"


def test_a_profile_version_wins_over_its_platform_version(api, networks):
    ig = networks["instagram"]
    body = create(
        api, {"instagram": ig}, media=[IMAGES[0]],
        versions={"instagram": {"caption": "Every Instagram"}, str(ig.pk): {"caption": "This one"}},
    ).json()  # fmt: skip
    assert body["versions"] == {"instagram": {"caption": "Every Instagram"},
                                str(ig.pk): {"caption": "This one"}}  # fmt: skip
    from publishing.services import target_content

    assert target_content(PostTarget.objects.get()).caption == "This one"


@pytest.mark.parametrize(
    ("versions", "key", "says"),
    [
        ({"myspace": {"caption": "x"}}, "versions.myspace", "is not a network of this post"),
        ({"linkedin": {"caption": "x"}}, "versions.linkedin", "LinkedIn is not among this post's profiles"),
        ({"999999": {"caption": "x"}}, "versions.999999", "not one of this post's profiles"),
        ({"instagram": {"media": [5]}}, "versions.instagram.media", "from 0 to 0"),
        ({"instagram": {"options": {"privacy_level": "SELF_ONLY"}}}, "versions.instagram.options",
         "Instagram takes no option 'privacy_level'"),
    ],
)  # fmt: skip
def test_bad_versions_are_refused_naming_the_field(api, networks, versions, key, says):
    ig = {"instagram": networks["instagram"]}
    response = create(api, ig, media=[IMAGES[0]], versions=versions)
    assert response.status_code == 400, response.content
    assert says in " ".join(response.json()["detail"][key])
    assert not Post.objects.exists() and not PostVersion.objects.exists()


def test_a_version_for_a_network_not_chosen_is_refused(api, networks):
    response = create(api, {"instagram": networks["instagram"]}, media=[IMAGES[0]],
                      versions={"tiktok": {"caption": "x"}})  # fmt: skip
    assert response.status_code == 400
    assert (
        "TikTok is not among this post's profiles"
        in response.json()["detail"]["versions.tiktok"][0]
    )


def test_utm_tags_the_versions_caption(api, networks, account, fake_meta):
    account.utm_enabled = True
    account.save()
    create(api, {"facebook": networks["facebook"]},
           versions={"facebook": {"caption": "Read https://example.com/a"}})  # fmt: skip
    publish_all()
    (fb_post,) = fake_meta.fb_posts.values()
    assert fb_post["message"].startswith("Read https://example.com/a?utm_source=")


def test_changing_a_version_is_a_new_version_and_goes_back_for_approval(api, networks, account):
    account.approval_required = True
    account.save()
    body = create(api, {"instagram": networks["instagram"]}, media=[IMAGES[0]]).json()
    post = Post.objects.get(pk=body["id"])
    post.status = "approved"
    post.save()
    reviewer = Actor(label="someone else", key="user:999")
    post_versions_set(post=post, actor=reviewer, versions={"instagram": {"caption": "New"}})
    post.refresh_from_db()
    assert (post.status, post.version, post.changed_by_key) == ("awaiting_approval", 2, "user:999")
    # The same versions again change nothing.
    post_versions_set(post=post, actor=reviewer, versions={"instagram": {"caption": "New"}})
    post.refresh_from_db()
    assert post.version == 2
    again = api.post(
        f"/posts/{post.pk}/versions", {"versions": {"instagram": {"caption": "x" * 2201}}}
    )
    assert again.status_code == 400
    assert "versions.instagram.caption" in again.json()["detail"]


def test_the_reviewer_sees_every_version_on_the_page_and_in_the_email(
    api, networks, account, mailoutbox
):
    account.approval_required, account.approval_digest = True, "immediate"
    account.save()
    MembershipFactory(user=UserFactory(email="rev@example.com"), account=account, role="reviewer")
    body = create(
        api, {"instagram": networks["instagram"], "facebook": networks["facebook"]},
        media=[IMAGES[0]],
        versions={"facebook": {"caption": "Only on Facebook", "first_comment": "More below"}},
    ).json()  # fmt: skip
    post = Post.objects.get(pk=body["id"])
    assert post.status == "awaiting_approval"
    digests_send()
    text = "\n".join(m.body for m in mailoutbox)
    assert "For Facebook Pages (Feed post):" in text and "Only on Facebook" in text
    _, token = review_link_create(post=post, reviewer=Reviewer(email="rev@example.com"))
    page = Client().get(f"/review/{token}/").content.decode()
    assert "Each network&#x27;s version" in page or "Each network's version" in page
    assert "Facebook Pages" in page and "Only on Facebook" in page and "More below" in page


def test_a_duplicate_keeps_the_versions_and_a_live_post_cannot_change_them(api, networks):
    ig = {"instagram": networks["instagram"]}
    body = create(api, ig, media=[IMAGES[0]], versions={"instagram": {"caption": "Mine"}}).json()
    copy = api.post(f"/posts/{body['id']}/duplicate")
    assert copy.status_code == 201, copy.content
    assert copy.json()["versions"] == {"instagram": {"caption": "Mine"}}
    PostTarget.objects.filter(post_id=body["id"]).update(status="published")
    refused = api.post(
        f"/posts/{body['id']}/versions", {"versions": {"instagram": {"caption": "x"}}}
    )
    assert refused.status_code == 409
    assert "locked" in refused.json()["detail"]
    assert Post.objects.get(pk=body["id"]).versions.get().caption == "Mine"

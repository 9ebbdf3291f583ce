"""TikTok privacy is the creator's explicit choice (TikTok's guidelines forbid a default): per post
(API options, composer) over a per-profile default set on the Channels page; Direct Posts without
one are refused before scheduling and again at publish time; drafts need none."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from channels.models import Profile
from channels.services import profile_options_save
from publishing.dispatch import dispatch_due
from publishing.models import Post, PostTarget
from publishing.services import Actor, InvalidTransition, post_submit
from tests.channels.providers.test_tiktok import make_target, reload
from tests.factories import MembershipFactory, PostFactory, UserFactory
from tests.helpers import connect
from tests.media_files import upload, video_bytes

pytestmark = pytest.mark.django_db
VIDEO = {"url": "https://cdn.example.com/clip.mp4", "kind": "video"}
NEEDS_PRIVACY = (
    "Choose who can see this post: TikTok Direct Posts to Brand Tok need a privacy level the "
    "creator chose (TikTok allows no default), for the post or as the profile's default on the "
    "Channels page."
)


@pytest.fixture
def creator(owner_client, account, fake_tiktok) -> Profile:
    """A connected TikTok profile in automatic mode (Direct Post) with no privacy default."""
    assert connect(platform="tiktok", account=account, client=owner_client).status_code == 302
    profile = Profile.objects.get(platform="tiktok")
    profile.posting_mode = "automatic"
    profile.save(update_fields=["posting_mode"])
    return profile


def post_video(api, profile, **extra):
    at = (timezone.now() + timedelta(minutes=5)).isoformat()
    body = {
        "caption": "Watch #fyp",
        "post_type": "video",
        "media": [VIDEO],
        "targets": [profile.pk],
        "scheduled_at": at,
        **extra,
    }
    return api.post("/posts", body)


def publish_all() -> None:
    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
        dispatch_due()


def direct_init(fake_tiktok) -> dict:
    (init,) = [r for r in fake_tiktok.requests if r.path == "/v2/post/publish/video/init/"]
    return init.form["post_info"]


def save_settings(client, account, profile, **data):
    url = f"/a/{account.slug}/channels/profiles/{profile.pk}/options/"
    prefix = f"tiktok-{profile.pk}-"
    return client.post(url, {prefix + k: v for k, v in data.items()})


# API -------------------------------------------------------------------------------------------
def test_api_refuses_a_direct_post_without_a_privacy_level(api, creator):
    response = post_video(api, creator)
    assert response.status_code == 400, response.content
    assert response.json()["detail"] == {"options.privacy_level": [NEEDS_PRIVACY]}
    assert not Post.objects.exists() and not PostTarget.objects.exists()


def test_api_privacy_and_switches_reach_the_direct_post_init(api, creator, fake_tiktok):
    creator.extra = {**creator.extra, "privacy_level": "PUBLIC_TO_EVERYONE"}
    creator.save()  # the post's own choice wins over this default
    options = {
        "privacy_level": "MUTUAL_FOLLOW_FRIENDS",
        "disable_comment": True,
        "disable_stitch": False,
        "brand_organic_toggle": True,
    }
    response = post_video(api, creator, options=options)
    assert response.status_code == 201, response.content
    assert response.json()["options"] == options
    publish_all()
    info = direct_init(fake_tiktok)
    assert info["privacy_level"] == "MUTUAL_FOLLOW_FRIENDS"
    assert (info["disable_comment"], info["disable_stitch"]) == (True, False)
    assert info["disable_duet"] is True  # the creator turned duets off in TikTok: stays off
    assert (info["brand_organic_toggle"], info["brand_content_toggle"]) == (True, False)
    assert PostTarget.objects.get().status == "published"


def test_api_refuses_private_branded_content(api, creator):
    options = {"privacy_level": "SELF_ONLY", "brand_content_toggle": True}
    response = post_video(api, creator, options=options)
    assert response.status_code == 400, response.content
    assert response.json()["detail"] == {
        "options.privacy_level": ["Branded content cannot be private (SELF_ONLY) on TikTok."]
    }
    assert not Post.objects.exists()


def test_api_refuses_an_unknown_privacy_level_or_option(api, creator):
    assert post_video(api, creator, options={"privacy_level": "FRIENDS"}).status_code == 422
    assert post_video(api, creator, options={"privacy": "SELF_ONLY"}).status_code == 422
    assert not Post.objects.exists()


def test_drafts_mode_needs_no_privacy_level_and_sends_none(api, creator, fake_tiktok):
    creator.posting_mode = "manual"  # the creator finishes in the TikTok app, choosing there
    creator.save()
    images = [{"url": f"https://cdn.example.com/{n}.jpg", "kind": "image"} for n in range(2)]
    response = post_video(api, creator, post_type="photo_slideshow", media=images, title="Two")
    assert response.status_code == 201, response.content
    publish_all()
    assert PostTarget.objects.get().status == "sent_to_drafts"
    init = next(r for r in fake_tiktok.requests if r.path == "/v2/post/publish/content/init/")
    assert init.form["post_mode"] == "MEDIA_UPLOAD"
    assert "privacy_level" not in init.form["post_info"]  # no default chosen for the creator


def test_a_direct_post_without_a_choice_fails_at_publish_time(creator, account, fake_tiktok):
    target = make_target(account, creator, mode="automatic")  # made around post_create's check
    dispatch_due()
    target = reload(target)
    assert (target.status, target.error_code) == ("failed", "privacy_level_not_chosen")
    assert "choose a privacy level" in target.error_message
    assert not any(r.path.endswith("/init/") for r in fake_tiktok.requests)


def test_a_draft_cannot_be_submitted_for_direct_post_without_a_choice(creator, account):
    post = PostFactory(account=account, status="draft", post_type="video")
    PostTarget.objects.create(post=post, profile=creator, posting_mode="automatic")
    with pytest.raises(InvalidTransition, match="need a privacy level the creator chose"):
        post_submit(post=post, actor=Actor(label="test"))
    assert Post.objects.get().status == "draft"


# Channels page: the profile's default -------------------------------------------------------------
def test_the_channels_page_shows_the_creator_and_no_preselected_privacy(
    owner_client, account, creator
):
    page = owner_client.get(f"/a/{account.slug}/channels/").content.decode()
    assert "Posting as Brand Tok" in page
    select = re.search(r'<select name="tiktok-\d+-privacy_level".*?</select>', page, re.S)[0]
    assert re.findall(r"<option[^>]*selected[^>]*>([^<]*)", select) == ["Choose who can see posts…"]
    assert page.count('type="checkbox"') == 3 and page.count("checked") == 3  # allowed


def test_the_profile_default_from_the_channels_form_is_used(
    owner_client, account, api, creator, fake_tiktok
):
    response = save_settings(
        owner_client,
        account,
        creator,
        privacy_level="SELF_ONLY",
        allow_duet="on",
        allow_stitch="on",
    )  # comments off
    assert response.status_code == 302
    creator.refresh_from_db()
    assert creator.extra["privacy_level"] == "SELF_ONLY"
    assert (creator.extra["disable_comment"], creator.extra["disable_stitch"]) == (True, False)
    assert post_video(api, creator).status_code == 201  # no per-post choice needed now
    publish_all()
    info = direct_init(fake_tiktok)
    assert (info["privacy_level"], info["disable_comment"]) == ("SELF_ONLY", True)


def test_the_channels_form_refuses_an_unknown_privacy_level(owner_client, account, creator):
    response = save_settings(owner_client, account, creator, privacy_level="EVERYONE")
    page = owner_client.get(response["Location"]).content.decode()
    assert "Privacy level: Select a valid choice" in page
    creator.refresh_from_db()
    assert "privacy_level" not in creator.extra


def test_the_channels_form_is_for_this_accounts_admins_and_marketers(
    client, outsider_client, account, creator
):
    assert (
        save_settings(outsider_client, account, creator, privacy_level="SELF_ONLY").status_code
        == 404
    )
    reviewer = UserFactory()
    MembershipFactory(user=reviewer, account=account, role="reviewer")
    client.force_login(reviewer)
    assert "Save TikTok settings" not in client.get(f"/a/{account.slug}/channels/").content.decode()
    assert save_settings(client, account, creator, privacy_level="SELF_ONLY").status_code == 403
    creator.refresh_from_db()
    assert "privacy_level" not in creator.extra


def test_the_channels_form_saves_only_this_accounts_profiles(owner_client, account, creator):
    assert (
        save_settings(
            owner_client,
            account,
            creator,
            privacy_level="SELF_ONLY",
            allow_comment="on",
            allow_duet="on",
        ).status_code
        == 302
    )
    creator.refresh_from_db()
    assert {k: creator.extra[k] for k in ("privacy_level", "disable_duet", "disable_stitch")} == {
        "privacy_level": "SELF_ONLY",
        "disable_duet": False,
        "disable_stitch": True,
    }
    other = MembershipFactory(user=UserFactory(), role="admin").account
    Profile.objects.filter(pk=creator.pk).update(account=other, extra={})  # now theirs
    response = save_settings(owner_client, account, creator, privacy_level="PUBLIC_TO_EVERYONE")
    assert response.status_code == 404
    assert Profile.objects.get(pk=creator.pk).extra == {}


# Composer ------------------------------------------------------------------------------------------
def compose(client, account, profile, **extra):
    data = {
        "caption": "Watch #fyp",
        "post_type": "video",
        "profiles": [profile.pk],
        "when": "slot",
        "tiktok_allow_comment": "on",
        "tiktok_allow_duet": "on",
        "tiktok_allow_stitch": "on",
        # H.264 at 30 fps for 1 s: TikTok's codec and frame-rate rules read the bytes.
        "media": upload("clip.mp4", video_bytes(codec="libx264", frames=30, rate=30), "video/mp4"),
        **extra,
    }
    return client.post(f"/a/{account.slug}/posts/new/", data)


def test_the_composer_refuses_direct_post_without_a_choice(owner_client, account, creator):
    page = owner_client.get(f"/a/{account.slug}/posts/new/").content.decode()
    assert "Posting to TikTok as Brand Tok" in page
    response = compose(owner_client, account, creator)
    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(
        r"field-tiktok_privacy_level.*?errorlist.*?Choose who can see this post", page, re.S
    )
    assert not Post.objects.exists()


def test_the_composer_saves_the_choice_into_the_post(
    owner_client, account, creator, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    response = compose(
        owner_client,
        account,
        creator,
        tiktok_privacy_level="FOLLOWER_OF_CREATOR",
        tiktok_allow_comment="",
        tiktok_brand_content="on",
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert Post.objects.get().options == {
        "privacy_level": "FOLLOWER_OF_CREATOR",
        "disable_comment": True,
        "disable_duet": False,
        "disable_stitch": False,
        "brand_content_toggle": True,
        "brand_organic_toggle": False,
    }


def test_the_composer_shows_private_branded_content_on_the_field(owner_client, account, creator):
    response = compose(
        owner_client, account, creator, tiktok_privacy_level="SELF_ONLY", tiktok_brand_content="on"
    )
    page = response.content.decode()
    assert re.search(
        r"field-tiktok_privacy_level.*?errorlist.*?Branded content cannot be private", page, re.S
    )
    assert not Post.objects.exists()


def test_the_composer_needs_no_choice_for_drafts_mode_or_a_saved_draft(
    owner_client, account, creator, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    assert compose(owner_client, account, creator, when="draft").status_code == 302
    creator.posting_mode = "manual"
    creator.save()
    assert compose(owner_client, account, creator, tiktok_allow_duet="").status_code == 302
    saved = list(Post.objects.order_by("pk").values_list("status", "options"))
    allowed = {
        "disable_comment": False,
        "disable_duet": False,
        "disable_stitch": False,
        "brand_content_toggle": False,
        "brand_organic_toggle": False,
    }
    assert saved == [("draft", allowed), ("approved", {**allowed, "disable_duet": True})]


def test_the_settings_service_names_the_field_it_refuses(creator):
    switches = {"disable_comment": False, "disable_duet": False, "disable_stitch": False}
    with pytest.raises(ValidationError) as refused:
        profile_options_save(profile=creator, values={"privacy_level": "FRIENDS", **switches})
    assert "Privacy level must be one of" in refused.value.message_dict["privacy_level"][0]
    with pytest.raises(ValidationError) as refused:
        profile_options_save(profile=creator, values={"brand_content_toggle": True})
    assert (
        "no default for brand_content_toggle"
        in refused.value.message_dict["brand_content_toggle"][0]
    )
    creator.extra = {**creator.extra, "privacy_level": "SELF_ONLY"}
    creator.save()
    profile_options_save(profile=creator, values={"privacy_level": "", **switches})  # clears it
    assert "privacy_level" not in Profile.objects.get(pk=creator.pk).extra

"""The first comment on Instagram media and Facebook Page posts, against the fake Graph API."""

import pytest

from channels.http import PERMANENT, RATE_LIMITED, TRANSIENT, PlatformError
from channels.models import Profile
from channels.providers import PROVIDERS, get_provider
from channels.providers.base import Content, Published, PublishRequest
from publishing.dispatch import dispatch_due
from publishing.models import PostTarget
from tests.factories import MediaFactory, PostFactory
from tests.fakes.instagram import meta_error
from tests.helpers import connect

pytestmark = pytest.mark.django_db

PLATFORMS = ["instagram", "facebook"]


@pytest.fixture(params=PLATFORMS)
def published(request, account, owner_client, fake_meta):
    """A post published on the platform (through the dispatcher), and the request to comment."""
    platform = request.param
    assert connect(platform=platform, account=account, client=owner_client).status_code == 302
    profile = Profile.objects.get(platform=platform)
    post = PostFactory(account=account, post_type="feed", caption=f"On {platform}")
    MediaFactory(post=post, kind="image", url="https://cdn.example.com/1.jpg")
    target = PostTarget.objects.create(
        post=post, profile=profile, status="scheduled", scheduled_at=post.created_at
    )
    dispatch_due()
    target.refresh_from_db()
    assert target.status == "published", target.error_message
    content = Content(post_type="feed", caption=post.caption, media=[], first_comment="Link: x.co")
    req = PublishRequest(
        target_id=target.pk, content=content, profile_external_id=profile.external_id,
        access_token=profile.api_token, state={}, checkpoint=lambda values: None,
        profile_username=profile.username,
    )  # fmt: skip
    return get_provider(platform), req, Published(platform_post_id=target.platform_post_id)


def test_only_meta_platforms_declare_first_comments():
    # LinkedIn comments through socialActions (tests/channels/providers/test_linkedin.py).
    declared = {slug for slug, cls in PROVIDERS.items() if cls.takes_first_comment}
    assert declared - {"linkedin"} == set(PLATFORMS)


def test_the_comment_goes_on_the_post_with_the_posting_token(published, fake_meta):
    provider, req, post = published
    comment_id = provider.post_first_comment(req, post)
    assert comment_id
    assert fake_meta.comments_on(post.platform_post_id) == ["Link: x.co"]
    [call] = fake_meta.calls("POST", f"/{post.platform_post_id}/comments")
    assert call.bearer == req.access_token  # Facebook: the Page token; Instagram: the user token
    if provider.slug == "facebook":
        assert req.access_token.startswith("page-token-")
    assert provider.find_first_comment(req, post) == comment_id


def test_looking_finds_nothing_before_the_comment_and_ignores_others(published, fake_meta):
    provider, req, post = published
    assert provider.find_first_comment(req, post) is None
    # The same words from somebody else are not our comment.
    other = {"username": "someone"} if provider.slug == "instagram" else {"from": {"id": "42"}}
    fake_meta.comments[post.platform_post_id] = [{"id": "9_1", "message": "Link: x.co", **other}]
    assert provider.find_first_comment(req, post) is None


def test_a_lost_answer_leaves_a_comment_that_can_be_found(published, fake_meta):
    provider, req, post = published
    fake_meta.drop(path="/comments", method="POST")
    with pytest.raises(PlatformError) as lost:
        provider.post_first_comment(req, post)
    assert lost.value.kind == TRANSIENT and lost.value.maybe_delivered
    assert fake_meta.comments_on(post.platform_post_id) == ["Link: x.co"]
    assert provider.find_first_comment(req, post)


@pytest.mark.parametrize(
    "switch, kind",
    [("fail_500", TRANSIENT), ("fail_rate_limit", RATE_LIMITED)],
)
def test_generic_switches_work_on_the_comment(published, fake_meta, switch, kind):
    provider, req, post = published
    getattr(fake_meta, switch)(path="/comments")
    with pytest.raises(PlatformError) as failed:
        provider.post_first_comment(req, post)
    assert failed.value.kind == kind
    assert fake_meta.comments_on(post.platform_post_id) == []


def test_a_refusal_is_permanent(published, fake_meta):
    provider, req, post = published
    fake_meta.fail(meta_error(10, "(#10) Comments are turned off"), path="/comments")
    with pytest.raises(PlatformError) as refused:
        provider.post_first_comment(req, post)
    assert refused.value.kind == PERMANENT and not refused.value.maybe_delivered
    assert "Comments are turned off" in refused.value.message


def test_a_timeout_may_have_delivered(published, fake_meta, settings):
    provider, req, post = published
    settings.PLATFORM_HTTP_TIMEOUT = (2, 0.5)
    fake_meta.hang(1.5, path="/comments", method="POST")
    with pytest.raises(PlatformError) as timed_out:
        provider.post_first_comment(req, post)
    assert timed_out.value.kind == TRANSIENT and timed_out.value.maybe_delivered

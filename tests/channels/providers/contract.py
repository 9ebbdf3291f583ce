"""The provider contract: what every registered platform must do, run against its own fake.

In the style of django-allauth's OAuth2TestsMixin: a platform's test class inherits
ProviderContract, names its fake and gives the few platform facts below, and gets the whole
contract — declarations, connect and profiles, validation of each post type (one valid and one
invalid example each), publishing each post type once through the dispatcher, a lost answer
reconciled without a second post, a transient error, a rate limit, an expired token, and metrics
(or a clean "no metrics").
"""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from analytics.models import MetricCollection, MetricSnapshot
from analytics.services import metrics_collect
from channels.limits import PlatformLimits
from channels.models import Profile
from channels.providers import PROVIDERS, get_provider
from channels.providers.base import Content, MediaItem, Published
from publishing.dispatch import dispatch_due
from publishing.models import PostTarget
from publishing.requests import publish_content, publish_request
from tests.factories import MediaFactory, PostFactory
from tests.fakes.server import FakeServer
from tests.helpers import connect

pytestmark = pytest.mark.django_db

Media = list[tuple[str, str]]  # (kind, url) in order


class ProviderContract:
    """Subclass as `Test<Platform>Contract(ProviderContract)` and fill in the facts below."""

    platform: str  # the registry slug
    fake_fixture: str  # the conftest fixture that runs the fake and points the app at it
    fake_class: type[FakeServer]
    # Per declared post type: media that makes a valid post, and a Content that breaks a limit.
    examples: dict[str, Media]
    # Post types that share a link (an article, a document's PDF): the link that makes them valid.
    example_links: dict[str, str] = {}
    # The path of the final call (the one that makes a post public) and of a call before it.
    final_call: str
    early_call: str
    final_method: str = ""  # where a look-up shares the final call's path (GET vs POST)

    # Platform hooks ---------------------------------------------------------------------------
    def posts_on_platform(self, fake) -> int:
        raise NotImplementedError

    def expire_token(self, fake) -> None:
        raise NotImplementedError

    def drop_final_call(self, fake) -> None:
        """Lose the answer of the final call (the platform acts; we never hear back)."""
        fake.drop(path=self.final_call, method=self.final_method)

    def fail_transient(self, fake, path: str) -> None:
        fake.fail_500(path=path)

    def fail_rate_limit(self, fake, path: str) -> None:
        fake.fail_rate_limit(path=path)

    def connect_values(self, fake) -> dict[str, str]:
        """Credentials platforms: the connect fields a person types (their fake's site, key)."""
        raise NotImplementedError

    def post_fields(self, post_type: str) -> dict:
        """Post fields a post type needs beyond caption and media (an article's title)."""
        return {}

    def ready_profile(self, profile: Profile) -> None:
        """Whatever a person sets once before automatic posting (TikTok: a privacy level)."""

    def invalid(self, post_type: str) -> Content:
        """One example per post type that breaks a hard limit: one media item too many."""
        limits = self.provider_class.limits.post_types[post_type]
        kind = sorted(limits.kinds)[0]
        media = [MediaItem(url=f"https://cdn.example.com/{n}.x", kind=kind) for n in range(40)]
        return Content(post_type=post_type, caption="Too much", media=media[: limits.media_max + 1])

    # Fixtures ---------------------------------------------------------------------------------
    @property
    def provider_class(self):
        return PROVIDERS[self.platform]

    @pytest.fixture
    def fake(self, request):
        return request.getfixturevalue(self.fake_fixture)

    @pytest.fixture
    def profile(self, fake, account, owner_client, settings, tmp_path) -> Profile:
        settings.MEDIA_ROOT = tmp_path
        provider = self.provider_class
        if provider.auth == "oauth2":
            response = connect(platform=self.platform, account=account, client=owner_client)
            assert response.status_code == 302, response.content.decode()[-2000:]
        else:  # the generic credentials form, verified with a real call to the fake
            values = {f"{self.platform}-{k}": v for k, v in self.connect_values(fake).items()}
            url = f"/a/{account.slug}/channels/credentials/{self.platform}/"
            response = owner_client.post(url, values)
            assert response.status_code == 302, response.content.decode()[-2000:]
        profile = Profile.objects.filter(platform=self.platform).first()
        assert profile is not None, f"{provider.name}: connecting listed no profile"
        profile.posting_mode = "automatic"
        profile.save(update_fields=["posting_mode"])
        self.ready_profile(profile)
        return profile

    def target(self, profile: Profile, post_type: str) -> PostTarget:
        post = PostFactory(
            account=profile.account, post_type=post_type, caption=f"Contract {post_type} #test",
            link=self.example_links.get(post_type, ""),
            **self.post_fields(post_type),
        )  # fmt: skip
        for position, (kind, url) in enumerate(self.examples[post_type]):
            MediaFactory(post=post, kind=kind, url=url, position=position)
        return PostTarget.objects.create(
            post=post, profile=profile, status="scheduled", scheduled_at=timezone.now(),
            posting_mode="automatic",
        )  # fmt: skip

    # The contract -----------------------------------------------------------------------------
    def test_declarations(self):
        provider = self.provider_class
        assert provider.slug == self.platform and provider.name
        assert provider.auth in ("oauth2", "credentials")
        if provider.auth == "credentials":
            assert provider.connect_fields, "a credentials platform declares its connect fields"
        else:
            assert all(env.endswith(("_CLIENT_ID", "_CLIENT_SECRET")) for env in
                       provider.credential_env())  # fmt: skip
        assert isinstance(provider.limits, PlatformLimits)
        assert set(self.examples) == set(provider.post_types()), "an example per post type"
        for day in ("weekday", "weekend"):
            assert len(provider.windows[day]) >= 3  # hot profiles take three slots a day
        assert provider.daily_cap is None or provider.daily_cap > 0
        assert provider.refresh_margin > timedelta(0)
        for post_type in provider.post_types():
            windows = provider.metric_windows(post_type)
            assert set(windows) <= {"1h", "24h", "7d"}
            assert bool(windows) == provider.has_metrics or not windows

    def test_connect_lists_profiles_with_encrypted_tokens(self, profile):
        connection = profile.connection
        assert connection.status == "active" and profile.name
        assert profile.api_token or profile.api_credentials

    @pytest.mark.parametrize("valid", [True, False], ids=["valid", "invalid"])
    def test_validate_each_post_type(self, valid, settings, fake):
        provider = get_provider(self.platform)
        for post_type, media in self.examples.items():
            if valid:
                content = Content(
                    post_type=post_type, caption="Fine",
                    media=[MediaItem(url=url, kind=kind) for kind, url in media],
                    link=self.example_links.get(post_type, ""),
                    title=self.post_fields(post_type).get("title", ""),
                )  # fmt: skip
                assert provider.validate(content) == [], post_type
            else:
                problems = provider.validate(self.invalid(post_type))
                assert problems, f"{post_type}: the invalid example passed"
                assert all(p.message and p.field for p in problems)
                assert all(self.platform not in p.message for p in problems if
                           self.platform != provider.name.lower())  # proper names only  # fmt: skip
        unknown = provider.validate(Content(post_type="nonsense", caption="", media=[]))
        assert unknown[0].code == "unsupported_post_type" and provider.name in unknown[0].message

    def test_publish_each_post_type_once(self, profile, fake):
        for post_type in self.examples:
            before = self.posts_on_platform(fake)
            target = settle(self.target(profile, post_type))
            assert target.status == "published", f"{post_type}: {target.error_message}"
            assert self.posts_on_platform(fake) == before + 1, post_type
            assert target.published_at is not None

    def test_a_lost_answer_is_reconciled_without_a_second_post(self, profile, fake):
        post_type = next(iter(self.examples))
        before = self.posts_on_platform(fake)
        self.drop_final_call(fake)
        target = settle(self.target(profile, post_type))
        assert self.posts_on_platform(fake) == before + 1
        assert target.status == "published" or target.error_code == "unconfirmed"

    def test_a_transient_error_retries_and_posts_once(self, profile, fake):
        post_type = next(iter(self.examples))
        before = self.posts_on_platform(fake)
        self.fail_transient(fake, self.early_call)
        target = self.target(profile, post_type)
        with time_machine.travel(timezone.now(), tick=False) as clock:
            dispatch_due()
            waiting = PostTarget.objects.get(pk=target.pk)
            assert (waiting.status, waiting.attempts) == ("scheduled", 1)
            assert waiting.next_attempt_at == timezone.now() + timedelta(minutes=1)
            clock.shift(timedelta(minutes=1))
        target = settle(target)
        assert target.status == "published"
        assert self.posts_on_platform(fake) == before + 1

    def test_a_rate_limit_waits_without_using_an_attempt(self, profile, fake):
        self.fail_rate_limit(fake, self.early_call)
        target = self.target(profile, next(iter(self.examples)))
        with time_machine.travel(timezone.now(), tick=False):
            dispatch_due()
            waiting = PostTarget.objects.get(pk=target.pk)
            assert (waiting.status, waiting.attempts) == ("scheduled", 0)
            assert waiting.next_attempt_at > timezone.now()
            assert waiting.error_code

    def test_an_expired_token_never_fails_the_post(self, profile, fake):
        """Refreshable platforms renew and post; the others hold the post for a reconnect."""
        before = self.posts_on_platform(fake)
        self.expire_token(fake)
        target = settle(self.target(profile, next(iter(self.examples))))
        profile.connection.refresh_from_db()
        if self.provider_class.has_refresh:
            assert target.status == "published" and profile.connection.status == "active"
            assert self.posts_on_platform(fake) == before + 1
        else:
            assert (target.status, profile.connection.status) == ("pending", "disconnected")
            assert self.posts_on_platform(fake) == before

    def test_metrics_are_read_or_cleanly_absent(self, profile, fake):
        post_type = next(iter(self.examples))
        target = settle(self.target(profile, post_type))
        assert target.status == "published"
        planned = MetricCollection.objects.filter(target=target)
        if not self.provider_class.has_metrics:
            assert not planned.exists()
            return
        assert planned.count() == len(self.provider_class.metric_windows(post_type))
        with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
            result = metrics_collect()
        assert result.collected >= 1, result
        snapshot = MetricSnapshot.objects.get(target=target, window="1h")
        assert any(getattr(snapshot, name) is not None for name in ("views", "likes", "reach"))

    def test_the_first_comment_is_posted_once_right_after_the_post(self, profile, fake):
        """Only for platforms that declare takes_first_comment; the others never send one."""
        if not self.provider_class.takes_first_comment:
            pytest.skip(f"{self.provider_class.name} takes no first comment")
        target = self.target(profile, next(iter(self.examples)))
        target.post.first_comment = "Contract first comment"
        target.post.save(update_fields=["first_comment"])
        target = settle(target)
        assert target.status == "published", target.error_message
        assert not target.first_comment_warning
        comment_id = target.platform_state["first_comment_id"]
        outcomes = list(target.attempt_log.values_list("outcome", flat=True))
        assert outcomes.count("first_comment") == 1 and outcomes.count("published") == 1
        # The platform shows it: the provider's own look-up finds the same comment.
        provider = get_provider(self.platform)
        request = publish_request(target, publish_content(target))
        published = Published(platform_post_id=target.platform_post_id)
        assert provider.find_first_comment(request, published) == comment_id


def settle(target: PostTarget, ticks: int = 12) -> PostTarget:
    """Tick the dispatcher (retries, processing waits, late ids) until the target settles."""
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(ticks):
            dispatch_due()
            current = PostTarget.objects.get(pk=target.pk)
            if current.status in ("published", "failed", "pending") and not (
                current.status == "published" and current.platform_state.get("id_pending")
            ):
                return current
            clock.shift(timedelta(minutes=30))
    return PostTarget.objects.get(pk=target.pk)

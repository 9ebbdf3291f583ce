import io
import zoneinfo
from datetime import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.html import escape
from PIL import Image

from library.models import MediaAsset
from publishing.models import Post, PostTarget
from tests.factories import MembershipFactory, ProfileFactory, TargetFactory, UserFactory

pytestmark = pytest.mark.django_db


def jpeg(width=1080, height=1080, name="photo.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "orange").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def profile(account):
    return ProfileFactory(connection__account=account, name="Acme IG")


def test_compose_schedules_in_the_account_time_zone(
    owner_client, account, profile, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    account.timezone = "Europe/London"
    account.save()
    page = owner_client.get(f"/a/{account.slug}/posts/new/")
    assert page.status_code == 200
    assert b"Acme IG" in page.content and b"In Europe/London" in page.content

    response = owner_client.post(
        f"/a/{account.slug}/posts/new/",
        {
            "caption": "Summer menu",
            "post_type": "feed",
            "media": jpeg(),
            "profiles": [profile.pk],
            "when": "time",
            "scheduled_at": "2030-07-01T09:30",
        },
    )
    post = Post.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/a/{account.slug}/posts/{post.pk}/"
    target = PostTarget.objects.get()
    london = datetime(2030, 7, 1, 9, 30, tzinfo=zoneinfo.ZoneInfo("Europe/London"))
    assert (target.status, target.scheduled_at) == ("scheduled", london)
    media = post.media.get()
    assert (media.width, media.height, media.mime_type) == (1080, 1080, "image/jpeg")
    assert media.public_url.startswith("http://testserver/media/library/")  # uploads go there
    assert (tmp_path / media.file.name).exists()

    with time_machine.travel(timezone.now(), tick=False):  # one signed URL expiry
        detail = owner_client.get(response["Location"])
        signed_url = media.public_url
    assert detail.status_code == 200
    assert b"Summer menu" in detail.content and b"Scheduled" in detail.content
    # The page shows the uploaded file itself, through its signed URL.
    assert f'<img src="{escape(signed_url)}"' in detail.content.decode()


def test_compose_shows_platform_problems_and_keeps_the_upload_in_the_library(
    owner_client, account, profile, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    response = owner_client.post(
        f"/a/{account.slug}/posts/new/",
        {
            "caption": "Too wide",
            "post_type": "feed",
            "media": jpeg(3000, 1000),
            "profiles": [profile.pk],
        },
    )
    assert response.status_code == 200
    assert b"ratio 3.00" in response.content
    assert not Post.objects.exists()
    # The file is not lost: it waits in the media library (issue 15), and nowhere else.
    assert all(p.relative_to(tmp_path).parts[0] == "library" for p in tmp_path.rglob("*.jpg"))
    assert MediaAsset.objects.get().width == 3000


def test_compose_rejects_a_non_image(owner_client, account, profile):
    fake = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    response = owner_client.post(
        f"/a/{account.slug}/posts/new/",
        {
            "caption": "x",
            "post_type": "feed",
            "media": fake,
            "profiles": [profile.pk],
            "when": "slot",
        },
    )
    assert response.status_code == 200
    assert "x.jpg is not an image or video we accept: use JPEG, PNG" in response.content.decode()
    assert not Post.objects.exists()


def test_compose_cannot_target_another_accounts_profile(owner_client, account, profile):
    foreign = ProfileFactory()
    response = owner_client.post(
        f"/a/{account.slug}/posts/new/",
        {
            "caption": "x",
            "post_type": "feed",
            "media": jpeg(),
            "profiles": [foreign.pk],
            "when": "slot",
        },
    )
    assert response.status_code == 200
    assert not Post.objects.exists()


def test_pages_are_404_for_outsiders(outsider_client, account, profile):
    target = TargetFactory(post__account=account, profile=profile)
    assert outsider_client.get(f"/a/{account.slug}/posts/new/").status_code == 404
    assert outsider_client.get(f"/a/{account.slug}/posts/{target.post_id}/").status_code == 404


def test_a_member_sees_the_post_but_not_through_another_account(client, account, profile):
    target = TargetFactory(
        post__account=account,
        profile=profile,
        status="published",
        permalink="https://www.instagram.com/p/abc/",
    )
    member = UserFactory()
    MembershipFactory(user=member, account=account, role="marketer")
    own = MembershipFactory(user=member, role="admin").account
    client.force_login(member)
    page = client.get(f"/a/{account.slug}/posts/{target.post_id}/")
    assert page.status_code == 200 and b"https://www.instagram.com/p/abc/" in page.content
    assert client.get(f"/a/{own.slug}/posts/{target.post_id}/").status_code == 404


def test_compose_needs_the_publishing_module(owner_client, account):
    account.publishing_enabled = False
    account.save()
    response = owner_client.get(f"/a/{account.slug}/posts/new/", follow=True)
    assert b"Social publishing is off" in response.content


def test_history_names_the_profile_and_statuses_in_words(owner_client, account, profile):
    from publishing.transitions import SYSTEM, target_transition

    target = TargetFactory(post__account=account, profile=profile, status="scheduled")
    target_transition(target=target, to="cancelled", actor=SYSTEM, reason="cancelled")
    page = owner_client.get(f"/a/{account.slug}/posts/{target.post_id}/").content.decode()
    history = page[page.index("<h2>History</h2>") :]
    assert "Acme IG on Instagram" in history
    assert "Scheduled → Cancelled" in history
    assert f"target {target.pk}" not in history

"""TikTok media delivery (issue 12, item 3): our own files go up as FILE_UPLOAD chunks read
through Django's storage; PULL_FROM_URL only for URL prefixes verified with TikTok
(TIKTOK_VERIFIED_URL_PREFIXES), refused at validation otherwise."""

import pytest
from django.core.files.base import ContentFile

from channels.models import Profile
from library.models import MediaAsset
from publishing.dispatch import dispatch_due
from publishing.models import Post, PostMedia
from tests.channels.providers.test_tiktok import make_target, reload
from tests.fakes.server import Response
from tests.helpers import connect
from tests.media_files import image_bytes, upload

pytestmark = pytest.mark.django_db
MB = 1024 * 1024
SETTING = "TIKTOK_VERIFIED_URL_PREFIXES"


@pytest.fixture
def creator(owner_client, account, fake_tiktok) -> Profile:
    assert connect(platform="tiktok", account=account, client=owner_client).status_code == 302
    profile = Profile.objects.get(platform="tiktok")
    profile.extra = {"privacy_level": "PUBLIC_TO_EVERYONE"}  # the creator's own choice
    profile.save()
    return profile


@pytest.fixture
def memory_storage(settings):
    """A storage with no filesystem path: the bytes must be read through the storage API."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }


def uploaded(target, data: bytes, *, kind="video", mime="video/mp4", name="clip.mp4", position=0):
    media = PostMedia(post=target.post, kind=kind, mime_type=mime, position=position)
    media.file.save(name, ContentFile(data), save=True)
    return media


def puts(fake_tiktok) -> list:
    return fake_tiktok.calls("PUT", "/upload/")


@pytest.mark.parametrize(
    ("size", "chunk_size", "ranges"),
    [
        (3 * MB, 3 * MB, [(0, 3 * MB - 1)]),  # under 5 MB: one chunk, whatever its size
        (7 * MB, 7 * MB, [(0, 7 * MB - 1)]),  # under one 10 MB chunk: whole, so floor() is 1
        (25 * MB, 10 * MB, [(0, 10 * MB - 1), (10 * MB, 25 * MB - 1)]),  # remainder rides last
    ],
)
def test_an_uploaded_video_goes_up_in_chunks_read_through_the_storage(
    creator, account, fake_tiktok, memory_storage, size, chunk_size, ranges
):
    target = make_target(account, creator, mode="automatic", media=())
    uploaded(target, b"\1" * size, mime="video/quicktime", name="clip.mov")
    dispatch_due()
    assert reload(target).status == "published"

    init = next(r for r in fake_tiktok.requests if r.path == "/v2/post/publish/video/init/")
    assert init.form["source_info"] == {
        "source": "FILE_UPLOAD", "video_size": size, "chunk_size": chunk_size,
        "total_chunk_count": len(ranges),
    }  # fmt: skip
    sent = puts(fake_tiktok)
    assert [r.headers["content-range"] for r in sent] == [
        f"bytes {first}-{last}/{size}" for first, last in ranges
    ]
    assert [int(r.headers["content-length"]) for r in sent] == [b - a + 1 for a, b in ranges]
    assert {r.headers["content-type"] for r in sent} == {"video/quicktime"}  # the file's own
    assert b"".join(r.body for r in sent) == b"\1" * size
    (publish,) = fake_tiktok.publishes.values()
    assert (publish.source, publish.received, publish.status) == (
        "FILE_UPLOAD", size, "PUBLISH_COMPLETE",
    )  # fmt: skip


def test_an_uploaded_video_on_disk_needs_no_verified_prefix(
    creator, account, fake_tiktok, settings, tmp_path
):
    settings.TIKTOK_VERIFIED_URL_PREFIXES = []
    settings.MEDIA_ROOT = tmp_path
    target = make_target(account, creator, mode="automatic", media=())
    uploaded(target, b"\0" * (6 * MB))
    dispatch_due()
    assert reload(target).status == "published"
    (publish,) = fake_tiktok.publishes.values()
    assert (publish.source, publish.chunk_size, publish.chunk_count) == ("FILE_UPLOAD", 6 * MB, 1)


@pytest.mark.parametrize(
    ("answer", "status", "code"),
    [
        # Anything but 206/201 means TikTok did not take the bytes: never "uploaded".
        (Response(200, ""), "failed", "upload_unexpected_status"),
        (
            Response(500, {"error": {"code": "internal_error", "message": "x"}}),
            "scheduled",
            "internal_error",
        ),  # fmt: skip
    ],
)
def test_an_upload_answer_other_than_206_or_201_is_an_error(
    creator, account, fake_tiktok, memory_storage, answer, status, code
):
    target = make_target(account, creator, mode="automatic", media=())
    uploaded(target, b"\0" * (3 * MB))
    fake_tiktok.fail(answer, path="/upload/")
    dispatch_due()
    target = reload(target)
    assert (target.status, target.error_code) == (status, code)
    assert target.platform_state.get("uploaded") is not True
    if status == "failed":
        assert "HTTP 200" in target.error_message and "not 201" in target.error_message


def test_an_early_201_before_the_last_chunk_is_an_error(
    creator, account, fake_tiktok, memory_storage
):
    target = make_target(account, creator, mode="automatic", media=())
    uploaded(target, b"\0" * (25 * MB))
    fake_tiktok.fail(Response(201, ""), path="/upload/")
    dispatch_due()
    target = reload(target)
    assert (target.status, target.error_code) == ("failed", "upload_unexpected_status")
    assert len(puts(fake_tiktok)) == 1  # stopped at the first wrong answer


def test_a_video_url_outside_the_verified_prefixes_is_refused_by_the_api(api, creator, fake_tiktok):
    response = api.post("/posts", {
        "caption": "Watch", "post_type": "video", "targets": [creator.pk],
        "media": [{"kind": "video", "url": "https://videos.elsewhere.example/clip.mp4"}],
    })  # fmt: skip
    assert response.status_code == 400, response.content
    (message,) = response.json()["detail"]["media"]
    assert "https://videos.elsewhere.example/ is not under one" in message
    assert f"add the prefix to {SETTING} or upload the file instead" in message
    assert not Post.objects.exists()
    assert not fake_tiktok.calls("POST", "/init/")


def test_prefixes_match_on_scheme_host_and_path_boundaries(api, creator, fake_tiktok, settings):
    settings.TIKTOK_VERIFIED_URL_PREFIXES = ["https://cdn.example.com/videos"]
    urls = {
        "https://cdn.example.com/videos/clip.mp4": 201,
        "https://CDN.example.com:443/videos/a/clip.mp4": 201,
        "https://cdn.example.com.evil.net/videos/clip.mp4": 400,  # host boundary
        "https://cdn.example.com/videos-private/clip.mp4": 400,  # path boundary
        "https://cdn.example.com/videos/../private/clip.mp4": 400,
        "https://cdn.example.com:8443/videos/clip.mp4": 400,  # another port
        "http://cdn.example.com/videos/clip.mp4": 400,  # TikTok pulls over HTTPS only
    }
    answers = {}
    for url in urls:
        response = api.post("/posts", {
            "caption": "Watch", "post_type": "video", "targets": [creator.pk],
            "media": [{"kind": "video", "url": url}],
        })  # fmt: skip
        answers[url] = response.status_code
        if response.status_code == 400:
            assert SETTING in response.json()["detail"]["media"][0]
    assert answers == urls
    assert Post.objects.count() == 2


def test_an_unverified_video_url_is_refused_again_at_publish(
    creator, account, fake_tiktok, settings
):
    target = make_target(account, creator, mode="automatic")  # https://cdn.example.com/clip.mp4
    settings.TIKTOK_VERIFIED_URL_PREFIXES = ["https://media.example.org/"]  # changed since
    dispatch_due()
    target = reload(target)
    assert (target.status, target.error_code) == ("failed", "url_ownership_unverified")
    assert SETTING in target.error_message
    assert not fake_tiktok.calls("POST", "/init/")  # refused before anything was sent


def test_photos_without_a_verified_prefix_are_refused_by_the_api(api, creator, fake_tiktok):
    response = api.post("/posts", {
        "caption": "Looks", "title": "Three looks", "post_type": "photo_slideshow",
        "targets": [creator.pk],
        "media": [{"kind": "image", "url": "https://cdn.example.com/1.jpg"},
                  {"kind": "image", "url": "https://img.elsewhere.example/2.jpg"}],
    })  # fmt: skip
    assert response.status_code == 400, response.content
    (message,) = response.json()["detail"]["media"]
    assert "https://img.elsewhere.example/ is not under one" in message
    assert SETTING in message
    assert not Post.objects.exists()


def test_uploaded_photos_go_only_once_the_public_media_prefix_is_verified(
    api, creator, account, fake_tiktok, settings, memory_storage
):
    settings.PUBLIC_BASE_URL = "https://social.example.net"
    target = make_target(account, creator, post_type="photo_slideshow", media=(),
                         mode="automatic", title="Looks")  # fmt: skip
    for position in range(2):
        uploaded(target, image_bytes(), kind="image", mime="image/jpeg", name="a.jpg",
                 position=position)  # fmt: skip
    # A longer prefix than PUBLIC_BASE_URL/media/ cannot cover every file name.
    settings.TIKTOK_VERIFIED_URL_PREFIXES = ["https://social.example.net/media/2026/"]
    dispatch_due()
    target = reload(target)
    assert (target.status, target.error_code) == ("failed", "url_ownership_unverified")
    assert "https://social.example.net/media/ is not under one" in target.error_message
    assert SETTING in target.error_message
    assert not fake_tiktok.calls("POST", "/init/")

    # The site (a shorter prefix of PUBLIC_BASE_URL/media/) is verified with TikTok and listed.
    settings.TIKTOK_VERIFIED_URL_PREFIXES = ["https://social.example.net"]
    fake_tiktok.verified_prefixes = ["https://social.example.net/media/"]
    assert api.post(f"/targets/{target.pk}/retry").status_code == 200
    dispatch_due()
    assert reload(target).status == "published"
    init = next(r for r in fake_tiktok.requests if r.path == "/v2/post/publish/content/init/")
    urls = init.form["source_info"]["photo_images"]
    assert len(urls) == 2
    assert all(u.startswith("https://social.example.net/media/") and "&s=" in u for u in urls)


def test_the_fake_refuses_a_pull_from_a_prefix_tiktok_has_not_verified(
    creator, account, fake_tiktok, settings
):
    # The app is configured wider than what is really verified with TikTok.
    settings.TIKTOK_VERIFIED_URL_PREFIXES = [
        "https://cdn.example.com/",
        "https://media.example.org/",
    ]
    video = make_target(account, creator, mode="automatic",
                        media=(("video", "https://media.example.org/clip.mp4"),))  # fmt: skip
    photos = make_target(account, creator, post_type="photo_slideshow", mode="automatic",
                         media=(("image", "https://media.example.org/1.jpg"),))  # fmt: skip
    dispatch_due()
    for target in (reload(video), reload(photos)):
        assert (target.status, target.error_code) == ("failed", "url_ownership_unverified")
        assert "TikTok refused to pull the media" in target.error_message
        assert SETTING in target.error_message
    assert fake_tiktok.publishes == {}


def test_photos_uploaded_in_the_composer_are_refused_and_kept_in_the_library(
    owner_client, account, creator, fake_tiktok, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    response = owner_client.post(f"/a/{account.slug}/posts/new/", {
        "caption": "Looks", "title": "Three looks", "post_type": "photo_slideshow",
        "media": [upload("a.jpg", image_bytes())], "profiles": [creator.pk], "when": "slot",
        "tiktok_privacy_level": "PUBLIC_TO_EVERYONE",
    })  # fmt: skip
    assert response.status_code == 200
    page = response.content.decode()
    assert "http://testserver/media/ is not under one" in page
    assert SETTING in page
    assert not Post.objects.exists()
    # The upload is kept in the media library (and ticked for the next try); nothing else.
    assert "Your uploads are kept in the media library" in page
    (kept,) = MediaAsset.objects.values_list("file", flat=True)
    stored = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert kept in stored and all(p.startswith("library/") for p in stored)

"""Uploads are what their bytes say, stored under random names and served inert through signed,
expiring URLs (issue 11, items 1, 2 and 10)."""

from datetime import timedelta
from urllib.parse import urlparse

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from publishing.models import Post, PostMedia
from publishing.services import media_item
from tests.factories import ProfileFactory
from tests.media_files import image_bytes, upload, video_bytes

pytestmark = pytest.mark.django_db

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
HTML = b"<html><script>fetch('/a/other/settings/')</script></html>"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def profile(account):
    return ProfileFactory(connection__account=account, name="Acme IG")


def compose(client, account, profile, *files, when="draft"):
    return client.post(
        f"/a/{account.slug}/posts/new/",
        {"caption": "Launch", "post_type": "feed", "media": list(files),
         "profiles": [profile.pk], "when": when},
    )  # fmt: skip


def served(url: str, client: Client | None = None):
    parts = urlparse(url)
    return (client or Client()).get(parts.path + "?" + parts.query)


@pytest.mark.parametrize(
    "name,data,declared",
    [
        ("evil.html", HTML, "video/mp4"),
        ("logo.svg", SVG, "image/svg+xml"),
        ("clip.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64, "video/mp4"),
        ("movie.mkv", video_bytes("matroska"), "video/x-matroska"),
    ],
)
def test_uploads_that_are_not_accepted_media_are_refused(
    owner_client, account, profile, media_root, name, data, declared
):
    response = compose(owner_client, account, profile, upload(name, data, declared))
    assert response.status_code == 200
    assert f"{name} is not an image or video we accept".encode() in response.content
    assert b"JPEG, PNG, WebP, GIF, MP4, MOV or WebM" in response.content
    assert not Post.objects.exists()
    assert not any(p.is_file() for p in media_root.rglob("*"))


@pytest.mark.parametrize(
    "data,declared,kind,mime,extension",
    [
        (image_bytes("JPEG"), "text/html", "image", "image/jpeg", ".jpg"),
        (image_bytes("PNG"), "image/png", "image", "image/png", ".png"),
        (image_bytes("WEBP"), "image/webp", "image", "image/webp", ".webp"),
        (image_bytes("GIF"), "image/gif", "image", "image/gif", ".gif"),
        (video_bytes("mp4"), "image/jpeg", "video", "video/mp4", ".mp4"),
        (video_bytes("mov"), "video/quicktime", "video", "video/quicktime", ".mov"),
        (video_bytes("webm", "libvpx"), "video/webm", "video", "video/webm", ".webm"),
    ],
)
def test_accepted_media_is_typed_and_named_by_its_bytes(
    owner_client, account, profile, data, declared, kind, mime, extension
):
    response = compose(owner_client, account, profile, upload("poly.html", data, declared))
    assert response.status_code == 302, response.content[:2000]
    media = PostMedia.objects.get()
    assert (media.kind, media.mime_type) == (kind, mime)
    stored = media.file.name.rsplit("/", 1)[-1]
    assert stored.endswith(extension) and "poly" not in stored and len(stored) >= 32
    if kind == "video":
        assert (media.width, media.height) == (64, 64) and media.duration_s > 0

    page = served(media.public_url)  # anonymous: a platform fetching it
    assert page.status_code == 200
    assert page["Content-Type"] == mime
    assert page["X-Content-Type-Options"] == "nosniff"
    assert page["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert page["Content-Disposition"].startswith("inline")
    assert b"".join(page.streaming_content) == data


def test_a_legacy_file_of_another_type_is_only_ever_downloaded(account, media_root):
    """A row stored before sniffing existed is never rendered by the browser."""
    media = PostMedia.objects.create(
        post=Post.objects.create(account=account), kind="image", mime_type="text/html"
    )
    media.file.name = "posts/old/evil.html"
    (media_root / "posts/old").mkdir(parents=True)
    (media_root / "posts/old/evil.html").write_bytes(HTML)
    media.save()
    page = served(media.public_url)
    assert page.status_code == 200
    assert page["Content-Type"] == "application/octet-stream"
    assert page["Content-Disposition"].startswith("attachment")
    assert page["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_media_is_only_served_through_a_valid_unexpired_signature(
    owner_client, account, profile, settings
):
    compose(owner_client, account, profile, upload("a.jpg", image_bytes()))
    media = PostMedia.objects.get()
    assert media.post.status == "draft"
    url = media.public_url
    path = urlparse(url).path
    assert served(url).status_code == 200
    # The plain, guessable path of a draft's file is not served to anyone, the owner included.
    assert Client().get(path).status_code == 404
    assert owner_client.get(path).status_code == 404
    folder = path.split("/")[2] + "/"  # composer uploads live in the media library
    tampered = url.replace(folder, f"{folder}../{folder}")
    assert served(tampered).status_code == 404
    assert served(url[:-3] + "abc").status_code == 404
    other_file = url.replace(path, path[:-6] + "00.jpg")
    assert served(other_file).status_code == 404
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.MEDIA_URL_TTL_SECONDS)):
        assert served(url).status_code == 200  # lasts at least the TTL
    with time_machine.travel(
        timezone.now() + timedelta(seconds=settings.MEDIA_URL_TTL_SECONDS + 7200)
    ):
        assert served(url).status_code == 404


def test_providers_and_pages_get_the_signed_url(owner_client, account, profile):
    compose(owner_client, account, profile, upload("a.jpg", image_bytes()))
    media = PostMedia.objects.get()
    item = media_item(media)
    assert item.url.startswith("http://testserver/media/library/") and "&s=" in item.url
    assert served(item.url).status_code == 200
    detail = owner_client.get(f"/a/{account.slug}/posts/{media.post_id}/")
    assert urlparse(item.url).path.encode() + b"?e=" in detail.content


def test_a_file_over_the_per_file_limit_is_stopped_with_its_name(
    owner_client, account, profile, settings, media_root
):
    settings.UPLOAD_MAX_FILE_BYTES = 50_000
    big = upload("huge.png", image_bytes("PNG", (2000, 2000)) + b"\0" * 60_000, "image/png")
    response = compose(owner_client, account, profile, upload("ok.jpg", image_bytes()), big)
    assert response.status_code == 200
    assert b"huge.png is larger than 48.8 KB, the limit per file." in response.content
    assert not Post.objects.exists()
    assert not any(p.is_file() for p in media_root.rglob("*"))


def test_a_request_over_the_total_limit_is_stopped(owner_client, account, profile, settings):
    settings.UPLOAD_MAX_REQUEST_BYTES = 150_000
    files = [upload(f"p{n}.png", image_bytes("PNG", (300, 300)) + b"\0" * 60_000) for n in range(3)]
    response = compose(owner_client, account, profile, *files)
    assert response.status_code == 200
    assert b"at most 146.5 KB can be sent at once" in response.content
    assert not Post.objects.exists()

"""POST /api/v1/media (multipart upload) and GET /api/v1/media; posts reference assets by id."""

import pytest
from django.test import Client

from accounts.services import api_token_create
from library.models import MediaAsset
from library.services import asset_upload
from publishing.models import Post
from tests.factories import ProfileFactory
from tests.library.helpers import video_upload
from tests.media_files import image_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def client_for(account, role="admin") -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(account=account, role=role)[1]}")


def test_upload_returns_the_probed_asset(account):
    response = client_for(account).post(
        "/api/v1/media", {"file": video_upload("clip.mp4", seconds=2, fps=30), "alt_text": "Pour"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "video" and body["video_codec"] == "h264" and body["name"] == "clip.mp4"
    assert body["duration_s"] == pytest.approx(2, abs=0.1) and body["frame_rate"] == 30
    assert body["alt_text"] == "Pour" and "/media/library/" in body["url"] and "&s=" in body["url"]
    assert body["poster_url"] and body["thumbnail_url"]
    assert MediaAsset.objects.get().account == account


def test_upload_refuses_what_is_not_media_and_reviewer_tokens(account):
    bad = client_for(account).post("/api/v1/media", {"file": upload("x.html", b"<html>")})
    assert bad.status_code == 400 and "x.html is not an image" in bad.json()["detail"]["file"][0]
    reviewer = client_for(account, "reviewer").post(
        "/api/v1/media", {"file": upload("a.jpg", image_bytes())}
    )
    assert reviewer.status_code == 403
    assert not MediaAsset.objects.exists()


def test_list_filters_and_stays_in_the_account(account, outsider):
    asset_upload(account=account, upload=upload("shop.jpg", image_bytes()))
    asset_upload(account=account, upload=video_upload("teaser.mp4"), alt_text="espresso")
    asset_upload(
        account=outsider.memberships.get().account, upload=upload("theirs.jpg", image_bytes())
    )
    api = client_for(account, "reviewer")  # reading is for every role
    names = lambda **q: [a["name"] for a in api.get("/api/v1/media", q).json()["items"]]  # noqa: E731
    assert names() == ["teaser.mp4", "shop.jpg"]
    assert names(kind="image") == ["shop.jpg"]
    assert names(q="ESPRESSO") == ["teaser.mp4"]


def test_a_post_reuses_library_media_by_id_and_the_probed_rules_apply(account, outsider):
    profile = ProfileFactory(connection__account=account)  # Instagram
    api = client_for(account)
    short = asset_upload(account=account, upload=video_upload("short.mp4", seconds=1, fps=30))

    def create(asset_id, post_type="reel"):
        return api.post(
            "/api/v1/posts",
            {"caption": "Hi", "post_type": post_type, "media": [{"asset_id": asset_id}],
             "targets": [profile.pk]},
            content_type="application/json",
        )  # fmt: skip

    refused = create(short.pk)  # Instagram reels run 3 s–15 min: the probed duration counts
    assert refused.status_code == 400 and "runs 1 s" in str(refused.json()["detail"])
    good = asset_upload(account=account, upload=video_upload("ok.mp4", seconds=3, fps=30))
    made = create(good.pk)
    assert made.status_code == 201, made.content
    again = create(good.pk)  # upload once, reuse in many posts
    assert again.status_code == 201
    assert {m.asset_id for m in Post.objects.get(pk=again.json()["id"]).media.all()} == {good.pk}
    theirs = asset_upload(
        account=outsider.memberships.get().account, upload=upload("t.jpg", image_bytes())
    )
    assert create(theirs.pk, "feed").status_code == 400
    assert create(None).status_code == 422  # neither url nor asset_id

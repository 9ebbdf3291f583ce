"""Pinterest end to end against the fake API v5: OAuth connect through the API, an image pin, a
carousel and a video pin posted through the API and published by process_due, the board check,
then metrics read by collect_metrics."""

from datetime import timedelta
from io import StringIO
from urllib.parse import parse_qs, urlparse

import requests
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.services import api_token_create
from tests.library.helpers import video_upload
from tests.media_files import image_bytes, upload

RECIPES = "549755885176"


def test_connect_post_image_carousel_and_video_pins(api, account, fake_pinterest, client,
                                                     settings, tmp_path):  # fmt: skip
    settings.MEDIA_ROOT = tmp_path
    fake_pinterest.processing_polls = 1  # the video takes a tick to process

    # 1. Connect through the API; finish in a browser that is not logged in.
    authorize_url = api.post("/connections/pinterest/authorize").json()["authorize_url"]
    assert authorize_url.startswith(fake_pinterest.url + "/oauth/?")
    dialog = requests.get(authorize_url, allow_redirects=False, timeout=5)
    callback = urlparse(dialog.headers["Location"])
    assert callback.path == "/channels/callback/pinterest/"
    done = client.get(callback.path, {k: v[0] for k, v in parse_qs(callback.query).items()})
    assert done.status_code == 200 and b"Connected Pinterest: Acme Coffee" in done.content
    (profile,) = api.get("/profiles").json()
    assert (profile["platform"], profile["status"]) == ("pinterest", "active")

    # 2. Files for the carousel and the video pin go to the media library first.
    uploader = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(account=account)[1]}")

    def asset(name, file, alt=""):
        response = uploader.post("/api/v1/media", {"file": file, "alt_text": alt})
        assert response.status_code == 201, response.content
        return response.json()["id"]

    slide_1 = asset("a.jpg", upload("a.jpg", image_bytes(size=(1000, 1500))), "Beans")
    slide_2 = asset("b.jpg", upload("b.jpg", image_bytes(size=(1000, 1500))))
    video = asset("pour.mp4", video_upload("pour.mp4", seconds=5, fps=10))
    cover = asset("cover.jpg", upload("cover.jpg", image_bytes(size=(1000, 1500))))

    # 3. A board given by its name is refused when the post is made, naming the board.
    refused = api.post("/posts", {
        "caption": "Cold brew", "post_type": "pin", "targets": [profile["id"]],
        "media": [{"url": "https://cdn.example.com/brew.jpg", "kind": "image"}],
        "options": {"board_id": "Recipes"},
    })  # fmt: skip
    assert refused.status_code == 400
    assert "Choose a board by its name from the list, not “Recipes”" in str(refused.json())

    posts = {
        "pin": {"media": [{"url": "https://cdn.example.com/brew.jpg", "kind": "image"}],
                "title": "Cold brew", "link": "https://acme.example/cold-brew"},
        "carousel": {"media": [{"asset_id": slide_1}, {"asset_id": slide_2}],
                     "title": "Beans we love"},
        "video": {"media": [{"asset_id": video}, {"asset_id": cover}], "title": "Pour-over"},
    }  # fmt: skip
    ids = {}
    for post_type, fields in posts.items():
        created = api.post("/posts", {
            "caption": f"Our {post_type} #coffee", "post_type": post_type,
            "targets": [profile["id"]], "scheduled_at": "2026-01-01T09:00:00+00:00",
            "options": {"board_id": RECIPES}, **fields,
        })  # fmt: skip
        assert created.status_code == 201, created.content
        ids[post_type] = created.json()["id"]

    # 4. The dispatcher publishes them; the video waits for processing on a later tick.
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(3):
            call_command("process_due", stdout=StringIO())
            clock.shift(timedelta(minutes=1))
    targets = {t: api.get(f"/posts/{pid}").json()["targets"][0] for t, pid in ids.items()}
    for post_type, target in targets.items():
        assert target["status"] == "published", (post_type, target["error_message"])
        assert target["permalink"] == f"https://www.pinterest.com/pin/{target['platform_post_id']}/"
    assert len(fake_pinterest.pins) == 3
    pins = {t: fake_pinterest.pins[target["platform_post_id"]] for t, target in targets.items()}
    assert pins["pin"].source_type == "image_url" and pins["pin"].title == "Cold brew"
    assert pins["pin"].link.startswith("https://acme.example/cold-brew?utm_source=pinterest")
    assert pins["carousel"].source_type == "multiple_image_base64"
    assert pins["carousel"].alt_text == "Beans"
    assert pins["video"].source_type == "video_id" and pins["video"].title == "Pour-over"
    assert all(pin.board_id == RECIPES for pin in pins.values())

    # 5. Metrics are read an hour later.
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        call_command("collect_metrics", stdout=StringIO())
    for post_type, post_id in ids.items():
        (target,) = api.get(f"/posts/{post_id}/metrics").json()["targets"]
        (snapshot,) = [s for s in target["snapshots"] if s["window"] == "1h"]
        assert snapshot["views"] >= 240 and snapshot["saves"] >= 20, post_type
        assert (snapshot["comments"], snapshot["likes"]) == (10, 12)

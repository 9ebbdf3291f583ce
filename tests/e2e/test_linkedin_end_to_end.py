"""LinkedIn end to end against the fake: OAuth connect through the API → text, image, video and
document posts via the API → process_due (video processing on later ticks) → published with
permalinks → metrics read."""

from datetime import timedelta
from io import StringIO
from urllib.parse import parse_qs, urlparse

import requests
import time_machine
from django.core.management import call_command
from django.utils import timezone

from channels.models import ChannelConnection

FILES = "https://files.example.org"


def test_connect_post_text_image_video_and_document_then_read_metrics(
    api, account, fake_linkedin, client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    fake_linkedin.processing_polls = 1  # media is still processing on the first look

    # 1. Connect through the API; finish in a browser that is not logged in.
    response = api.post("/connections/linkedin/authorize")
    assert response.status_code == 200, response.content
    authorize_url = response.json()["authorize_url"]
    assert authorize_url.startswith(fake_linkedin.url + "/oauth/v2/authorization?")
    dialog = requests.get(authorize_url, allow_redirects=False, timeout=5)
    callback = urlparse(dialog.headers["Location"])
    assert callback.path == "/channels/callback/linkedin/"
    done = client.get(callback.path, {k: v[0] for k, v in parse_qs(callback.query).items()})
    assert done.status_code == 200
    assert b"LinkedIn" in done.content

    profiles = {p["name"]: p for p in api.get("/profiles").json()}
    assert set(profiles) == {"Dana Member", "Acme Coffee", "Acme Careers"}
    assert {p["platform"] for p in profiles.values()} == {"linkedin"}
    page = profiles["Acme Coffee"]["id"]

    # 2. Four posts, due at once.
    posts = {
        "text": {"caption": "Fresh roast (Ethiopia) is in #coffee", "post_type": "feed"},
        "image": {"caption": "New bag design", "post_type": "feed",
                  "media": [{"url": f"{FILES}/bag.png", "kind": "image"}]},
        "video": {"caption": "How we roast", "post_type": "video", "title": "Roasting",
                  "media": [{"url": f"{FILES}/roast.mp4", "kind": "video"}]},
        "document": {"caption": "Our Q3 in 10 slides", "post_type": "document",
                     "link": f"{FILES}/q3-report.pdf", "title": "Q3 report"},
    }  # fmt: skip
    ids = {}
    for name, body in posts.items():
        created = api.post(
            "/posts", {**body, "targets": [page], "scheduled_at": "2026-01-01T09:00:00+00:00"}
        )
        assert created.status_code == 201, (name, created.content)
        assert created.json()["targets"][0]["status"] == "scheduled"
        ids[name] = created.json()["id"]

    # 3. The dispatcher publishes the text at once; the media wait for processing (the upload
    # ids checkpointed) and go out on the next tick.
    with time_machine.travel(timezone.now(), tick=False) as clock:
        out = StringIO()
        call_command("process_due", stdout=out)
        assert "published 1, retrying 3" in out.getvalue(), out.getvalue()
        clock.shift(timedelta(minutes=2))
        out = StringIO()
        call_command("process_due", stdout=out)
        assert "claimed 3: published 3" in out.getvalue(), out.getvalue()

    targets = {name: api.get(f"/posts/{pid}").json()["targets"][0] for name, pid in ids.items()}
    for name, target in targets.items():
        assert target["status"] == "published", (name, target["error_message"])
        urn = target["platform_post_id"]
        assert urn.startswith("urn:li:share:")
        assert target["permalink"] == f"https://www.linkedin.com/feed/update/{urn}"
    live = {p.urn: p for p in fake_linkedin.published()}
    assert len(live) == 4 and {p.author for p in live.values()} == {"urn:li:organization:1001"}
    assert live[targets["text"]["platform_post_id"]].commentary == (
        r"Fresh roast \(Ethiopia\) is in {hashtag|\#|coffee}"
    )
    assert "media" in live[targets["image"]["platform_post_id"]].content
    assert live[targets["document"]["platform_post_id"]].content["media"]["title"] == "Q3 report"
    images = [a for a in fake_linkedin.assets.values() if a.kind == "image"]
    assert [a.mime for a in images] == ["image/jpeg"]  # the PNG went as a JPEG
    assert set(fake_linkedin.versions_seen) == {"202610"}

    # 4. Metrics an hour later, from the page statistics and one socialActions batch.
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        call_command("collect_metrics", stdout=StringIO())
    metrics = api.get(f"/posts/{ids['image']}/metrics").json()
    assert metrics, metrics
    assert len(fake_linkedin.calls("GET", "/rest/socialActions")) == 1

    # 5. No plaintext token stored.
    connection = ChannelConnection.objects.get()
    assert connection.access_token in fake_linkedin.access_tokens
    assert connection.refresh_token in fake_linkedin.refresh_tokens

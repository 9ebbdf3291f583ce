"""YouTube end to end against the fake: connect through the API, a video (whose upload a worker
crash interrupts, resumed from the confirmed byte: exactly one video) and a Short posted through
the API and published by process_due, then metrics collected."""

from datetime import timedelta
from io import StringIO
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import time_machine
from django.core.management import call_command
from django.utils import timezone

from channels.http import PlatformHTTP
from channels.providers.youtube import YouTubeProvider

UPLOADS = "/upload/youtube/v3/videos"


def test_connect_post_video_and_short_resume_a_crash_and_read_metrics(
    api, account, fake_youtube, client, monkeypatch
):
    monkeypatch.setattr(YouTubeProvider, "chunk_size", 256 * 1024)
    # 1. Connect through the API; Google's consent screen sends the browser back with a code.
    authorize_url = api.post("/connections/youtube/authorize").json()["authorize_url"]
    assert authorize_url.startswith(fake_youtube.url + "/o/oauth2/v2/auth?")
    assert "access_type=offline" in authorize_url and "prompt=consent" in authorize_url
    dialog = requests.get(authorize_url, allow_redirects=False, timeout=5)
    callback = urlparse(dialog.headers["Location"])
    done = client.get(callback.path, {k: v[0] for k, v in parse_qs(callback.query).items()})
    assert done.status_code == 200
    assert b"Connected YouTube: Acme Coffee TV" in done.content
    (profile,) = api.get("/profiles").json()
    assert (profile["platform"], profile["status"]) == ("youtube", "active")

    # 2. Made for kids is required and never assumed: the post is refused until it says.
    post = {
        "caption": "How we roast our beans, start to finish.",
        "post_type": "video",
        "media": [{"url": "https://cdn.example.com/roast.mp4", "kind": "video"}],
        "targets": [profile["id"]],
        "scheduled_at": "2026-01-01T09:00:00+00:00",
        "versions": {"youtube": {"title": "Roast day at Acme", "options": {
            "tags": ["coffee", "roasting", "latte art"], "category_id": "26",
            "privacy_status": "public"}}},
    }  # fmt: skip
    refused = api.post("/posts", post)
    assert refused.status_code == 400, refused.content
    assert "made for kids" in refused.content.decode()
    post["versions"]["youtube"]["options"]["made_for_kids"] = "no"
    video_post = api.post("/posts", post)
    assert video_post.status_code == 201, video_post.content
    assert video_post.json()["versions"]["youtube"]["title"] == "Roast day at Acme"
    short_post = api.post("/posts", {
        "caption": "60 seconds of latte art #Shorts", "post_type": "short",
        "media": [{"url": "https://cdn.example.com/latte.mp4", "kind": "video"}],
        "targets": [profile["id"]], "scheduled_at": "2026-01-01T09:00:00+00:00",
        "versions": {"youtube": {"title": "Latte art in a minute",
                                 "options": {"made_for_kids": "no"}}},
    })  # fmt: skip
    assert short_post.status_code == 201, short_post.content

    # 3. The worker dies in the middle of the first upload (after its first chunk).
    original, killed = PlatformHTTP.request, []

    def dies_mid_upload(self, method, url, **kwargs):
        content_range = (kwargs.get("headers") or {}).get("Content-Range", "")
        if method == "PUT" and content_range.startswith("bytes 262144-") and not killed:
            killed.append(True)
            raise SystemExit("worker killed")
        return original(self, method, url, **kwargs)

    monkeypatch.setattr(PlatformHTTP, "request", dies_mid_upload)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        with pytest.raises(SystemExit):
            call_command("process_due", stdout=StringIO())
        assert killed and len(fake_youtube.sessions) == 1 and not fake_youtube.videos
        # 4. Past the publish lease the next dispatcher asks YouTube (a probe), then resumes.
        for _ in range(8):
            clock.shift(timedelta(hours=1))
            call_command("process_due", stdout=StringIO())
        video = api.get(f"/posts/{video_post.json()['id']}").json()["targets"][0]
        short = api.get(f"/posts/{short_post.json()['id']}").json()["targets"][0]

    assert video["status"] == "published", video
    assert short["status"] == "published", short
    assert len(fake_youtube.videos) == 2  # one video and one Short: no duplicate upload
    roast = fake_youtube.videos[video["platform_post_id"]]
    assert (roast.title, roast.tags, roast.category) == (
        "Roast day at Acme", ["coffee", "roasting", "latte art"], "26",
    )  # fmt: skip
    assert video["permalink"] == f"https://www.youtube.com/watch?v={roast.id}"
    assert short["permalink"] == f"https://www.youtube.com/shorts/{short['platform_post_id']}"
    ranges = [r.headers["content-range"] for r in fake_youtube.calls("PUT", UPLOADS)]
    total = fake_youtube.media_size
    assert f"bytes */{total}" in ranges  # the probe after the crash
    first_chunks = [r for r in ranges if r == f"bytes 0-262143/{total}"]
    assert len(first_chunks) == 2  # once per video: the crashed one was never re-sent
    assert len(fake_youtube.sessions) == 2

    # 5. Metrics: statistics (strings from YouTube) arrive as numbers.
    with time_machine.travel(timezone.now() + timedelta(hours=12), tick=False):
        out = StringIO()
        call_command("collect_metrics", stdout=out)
    metrics = api.get(f"/posts/{video_post.json()['id']}/metrics").json()
    assert fake_youtube.list_calls == [2], out.getvalue()  # both videos in one videos.list
    (snapshot,) = metrics["targets"][0]["snapshots"]
    assert snapshot["views"] == 1200 + int(roast.id[-4:]) and isinstance(snapshot["likes"], int)

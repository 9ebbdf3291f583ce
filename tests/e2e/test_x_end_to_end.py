"""X end to end against the fake API v2: OAuth connect through the API → text, image, video and
a 3-part thread posted through the API → `process_due` → published; a worker killed mid-thread
finishes without a duplicate; metrics read."""

from datetime import timedelta
from io import StringIO
from unittest import mock
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import time_machine
from django.core.management import call_command
from django.utils import timezone

from channels.providers.x.provider import XProvider

MB = 1024 * 1024


def _connect(api, client, fake_x) -> int:
    response = api.post("/connections/x/authorize")
    assert response.status_code == 200, response.content
    authorize_url = response.json()["authorize_url"]
    assert authorize_url.startswith(fake_x.url + "/i/oauth2/authorize?")
    dialog = requests.get(authorize_url, allow_redirects=False, timeout=5)
    callback = urlparse(dialog.headers["Location"])
    assert callback.path == "/channels/callback/x/"
    done = client.get(callback.path, {k: v[0] for k, v in parse_qs(callback.query).items()})
    assert done.status_code == 200
    assert b"Connected X: Brand X" in done.content
    [profile] = api.get("/profiles").json()
    assert (profile["platform"], profile["name"], profile["status"]) == ("x", "Brand X", "active")
    return profile["id"]


def _post(api, profile_id: int, **fields) -> dict:
    body = {"targets": [profile_id], "scheduled_at": "2026-01-01T09:00:00+00:00", **fields}
    created = api.post("/posts", body)
    assert created.status_code == 201, created.content
    return created.json()


def _target(api, post: dict) -> dict:
    return api.get(f"/posts/{post['id']}").json()["targets"][0]


def _process_due() -> str:
    out = StringIO()
    call_command("process_due", stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=False)
def test_text_image_video_and_a_thread_via_the_api(api, account, fake_x, client, settings,
                                                    tmp_path):  # fmt: skip
    settings.MEDIA_ROOT = tmp_path
    fake_x.cdn_sizes["launch.mp4"] = 6 * MB  # two v2 segments
    profile_id = _connect(api, client, fake_x)

    text = _post(api, profile_id, caption="Launch day 🚀 https://example.com/launch",
                 post_type="feed")  # fmt: skip
    image = _post(api, profile_id, caption="The new mug", post_type="feed",
                  media=[{"url": "https://cdn.example.com/mug.jpg", "kind": "image"}])  # fmt: skip
    video = _post(api, profile_id, caption="Watch the launch", post_type="video",
                  media=[{"url": "https://cdn.example.com/launch.mp4", "kind": "video"}])  # fmt: skip
    thread = _post(api, profile_id, caption="Why we built it 🧵", post_type="thread",
                   versions={"x": {"options": {"thread": ["It started with a mug.",
                                                          "Then came the kettle."]}}})  # fmt: skip
    assert thread["versions"]["x"]["options"]["thread"] == [
        "It started with a mug.", "Then came the kettle.",
    ]  # fmt: skip

    now = timezone.now()
    with time_machine.travel(now, tick=False) as clock:
        assert "published 3" in _process_due()  # the video is still processing on X
        assert _target(api, video)["status"] == "publishing"
        clock.shift(timedelta(seconds=6))
        _process_due()  # X: in_progress, check again in 10 s
        clock.shift(timedelta(seconds=11))
        _process_due()

    for post in (text, image, video, thread):
        target = _target(api, post)
        assert target["status"] == "published", target
        assert target["permalink"] == f"https://x.com/brandx/status/{target['platform_post_id']}"
    sent = fake_x.posts[_target(api, text)["platform_post_id"]].text
    assert sent.startswith("Launch day 🚀 https://example.com/launch?utm_source=x")
    mug = fake_x.posts[_target(api, image)["platform_post_id"]]
    assert fake_x.media[mug.media_ids[0]].category == "tweet_image"
    clip = fake_x.posts[_target(api, video)["platform_post_id"]]
    assert fake_x.media[clip.media_ids[0]].segments == [4 * MB, 2 * MB]
    chain = fake_x.chain(_target(api, thread)["platform_post_id"])
    assert [p.text for p in chain] == [
        "Why we built it 🧵", "It started with a mug.", "Then came the kettle.",
    ]  # fmt: skip
    assert len(fake_x.posts) == 6  # 3 single posts + 3 thread parts, nothing twice

    # Metrics: one batched read of public and non-public numbers.
    with time_machine.travel(now + timedelta(hours=2), tick=False):
        call_command("collect_metrics", stdout=StringIO())
    assert len([c for c in fake_x.metrics_calls if len(c) == 4]) == 1
    snapshots = api.get(f"/posts/{image['id']}/metrics").json()["targets"][0]["snapshots"]
    assert snapshots and snapshots[0]["likes"] and snapshots[0]["clicks"] == 7


@pytest.mark.django_db(transaction=False)
def test_a_worker_killed_mid_thread_finishes_without_duplicates(api, account, fake_x, client):
    profile_id = _connect(api, client, fake_x)
    post = _post(api, profile_id, caption="Part one", post_type="thread",
                 options={"thread": ["Part two", "Part three"]})  # fmt: skip
    real_post = XProvider._post

    def killed_on_part_two(self, request, parts, index, ids):
        post_id = real_post(self, request, parts, index, ids)
        if index == 1:  # part 2 is on X; the worker dies before it records the id
            raise SystemExit("worker killed")
        return post_id

    now = timezone.now()
    with (
        time_machine.travel(now, tick=False) as clock,
        mock.patch.object(XProvider, "_post", killed_on_part_two),
        pytest.raises(SystemExit),
    ):
        _process_due()
    assert _target(api, post)["status"] == "publishing"
    assert len(fake_x.posts) == 2

    with time_machine.travel(now + timedelta(minutes=15), tick=False) as clock:
        _process_due()  # the stuck target is reconciled: part 2 found, publishing resumes
        clock.shift(timedelta(minutes=1))
        _process_due()
    target = _target(api, post)
    assert target["status"] == "published", target
    chain = fake_x.chain(target["platform_post_id"])
    assert [p.text for p in chain] == ["Part one", "Part two", "Part three"]
    assert len(fake_x.posts) == 3  # no part twice

"""The foundation's promise, end to end against the fake Graph API:
OAuth connect → post via API → process_due → published with permalink."""

from io import StringIO
from urllib.parse import parse_qs, urlparse

import requests
from django.core.management import call_command
from django.db import connection as db

from channels.models import ChannelConnection, Profile


def test_connect_post_publish_via_api(api, account, fake_instagram, client):
    # 1. Start the connection through the API; finish it in a browser that is not logged in.
    response = api.post("/connections/instagram/authorize")
    assert response.status_code == 200, response.content
    authorize_url = response.json()["authorize_url"]
    assert authorize_url.startswith(fake_instagram.url + "/v25.0/dialog/oauth?")
    dialog = requests.get(authorize_url, allow_redirects=False, timeout=5)
    callback = urlparse(dialog.headers["Location"])
    assert callback.path == "/channels/callback/instagram/"
    done = client.get(callback.path, {k: v[0] for k, v in parse_qs(callback.query).items()})
    assert done.status_code == 200
    assert b"Connected Instagram: Brand 1" in done.content

    profiles = api.get("/profiles").json()
    assert profiles == [
        {"id": profiles[0]["id"], "platform": "instagram", "name": "Brand 1", "status": "active"}
    ]

    # 2. A post scheduled in the past is due at once.
    created = api.post(
        "/posts",
        {
            "caption": "Fresh roast is in ☕ #coffee",
            "post_type": "feed",
            "media": [{"url": "https://cdn.example.com/roast.jpg", "kind": "image"}],
            "targets": [profiles[0]["id"]],
            "scheduled_at": "2026-01-01T09:00:00+00:00",
        },
    )
    assert created.status_code == 201, created.content
    post = created.json()
    assert post["status"] == "approved"
    assert post["targets"][0]["status"] == "scheduled"

    # 3. The dispatcher publishes it.
    out = StringIO()
    call_command("process_due", stdout=out)
    assert "published 1" in out.getvalue()

    target = api.get(f"/posts/{post['id']}").json()["targets"][0]
    assert target["status"] == "published"
    media = fake_instagram.media[target["platform_post_id"]]
    assert target["permalink"] == media.permalink
    assert media.caption == "Fresh roast is in ☕ #coffee"
    assert target["published_at"] is not None
    assert fake_instagram.published_count() == 1

    # 4. No plaintext token anywhere in the database.
    conn = ChannelConnection.objects.get()
    with db.cursor() as cursor:
        cursor.execute("SELECT access_token FROM channels_channelconnection")
        stored = cursor.fetchone()[0]
    assert conn.access_token in fake_instagram.tokens
    assert conn.access_token not in stored
    assert stored.startswith("gAAAA")  # a Fernet token
    assert Profile.objects.get().extra["page_id"] == "10001"

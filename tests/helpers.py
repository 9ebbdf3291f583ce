from urllib.parse import parse_qs, urlparse

import requests
from django.test import Client

from channels.services import oauth_start


def connect_instagram(*, fake, account, client: Client | None = None, user=None):
    """Run the whole OAuth dance against the fake: authorize → dialog → callback."""
    if client is not None:
        start = client.post(f"/a/{account.slug}/channels/connect/instagram/")
        assert start.status_code == 302, start
        authorize_url = start["Location"]
    else:
        authorize_url = oauth_start(account=account, platform="instagram", user=user)
    dialog = requests.get(authorize_url, allow_redirects=False, timeout=5)
    assert dialog.status_code == 302, dialog.text
    callback = urlparse(dialog.headers["Location"])
    query = {k: v[0] for k, v in parse_qs(callback.query).items()}
    return (client or Client()).get(callback.path, query)

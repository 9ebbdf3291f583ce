"""Sandbox mode in-process: the sandbox servers on free ports (never the fixed 8701+ that a
developer's `make run` may hold), and settings pointed at them as socialdist/settings.py does.
tests/sandbox/conftest.py offers the fixture; browser tests import it from here."""

import copy
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from sandbox.registry import SANDBOXES, wiring
from sandbox.services import sandboxes_start


@pytest.fixture
def sandbox(settings):
    settings.SOCIALDIST_SANDBOX = True
    settings.SOCIALDIST_SANDBOX_PLATFORMS = [p for s in SANDBOXES for p in s.platforms]
    running = sandboxes_start(port=0, persist=False)
    wired = wiring([(r.sandbox, r.server) for r in running])
    settings.SOCIALDIST_URL_REWRITES = [*wired.rewrites, *settings.SOCIALDIST_URL_REWRITES]
    settings.PLATFORM_CREDENTIALS = {**settings.PLATFORM_CREDENTIALS, **wired.credentials}
    settings.SOCIALDIST_SANDBOX_URLS = wired.urls
    # As settings.py does: the Connect forms redirect to the sandbox, so the CSP lets them go there.
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"] += sorted(set(wired.urls.values()))
    settings.CONTENT_SECURITY_POLICY = policy
    yield {p: r.server for r in running for p in r.sandbox.platforms}
    for r in running:
        r.server.stop()


class _Form(HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "hidden":
            self.fields[attrs["name"]] = attrs.get("value", "")
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def allow_page(authorize_url: str) -> tuple[str, dict[str, str]]:
    """Open the sandbox's authorize page: its title and the fields its Allow form sends."""
    page = requests.get(authorize_url, allow_redirects=False, timeout=5)
    assert page.status_code == 200, page.text
    form = _Form()
    form.feed(page.text)
    return form.title, form.fields


def sandbox_connect(client, authorize_url: str):
    """Press Allow on the sandbox page and follow the redirect back to the app's callback."""
    _, fields = allow_page(authorize_url)
    base = authorize_url.split("?", 1)[0]
    allowed = requests.get(f"{base}?{urlencode(fields)}", allow_redirects=False, timeout=5)
    assert allowed.status_code == 302, allowed.text
    callback = urlsplit(allowed.headers["Location"])
    return client.get(callback.path, {k: v[0] for k, v in parse_qs(callback.query).items()})

"""Only http(s) URLs are accepted anywhere a URL is, and stored URLs only ever become links when
they are http(s): a `javascript:` URL must never be clickable, wherever it came from."""

import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from publishing.approval import review_link_create, reviewers_for
from publishing.models import Post, PostMedia, PostTarget
from publishing.templatetags.safe_urls import safe_href
from tests.factories import MediaFactory, PostFactory, ProfileFactory, TargetFactory

pytestmark = pytest.mark.django_db

UNSAFE = [
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "ftp://files.example.com/a.jpg",
    "//evil.example/a.jpg",
    "vbscript:msgbox(1)",
    "https://",
]
EVIL = "javascript:alert(document.cookie)"


@pytest.fixture
def profile(account):
    return ProfileFactory(connection__account=account, platform="facebook")


def _post(api, profile, **fields):
    return api.post("/posts", {"caption": "Hi", "targets": [profile.pk], **fields})


@pytest.mark.parametrize("url", UNSAFE)
def test_api_refuses_a_media_url_that_is_not_http(api, profile, url):
    media = [
        {"url": "https://cdn.example.com/a.jpg", "kind": "image"},
        {"url": url, "kind": "image"},
    ]
    response = _post(api, profile, media=media)
    assert response.status_code == 400, response.content
    assert response.json()["detail"] == {"media[1].url": ["Use an http:// or https:// URL."]}
    assert not Post.objects.exists() and not PostMedia.objects.exists()


@pytest.mark.parametrize("url", UNSAFE)
def test_api_refuses_a_link_that_is_not_http(api, profile, url):
    response = _post(api, profile, link=url)
    assert response.status_code == 400, response.content
    assert response.json()["detail"] == {"link": ["Use an http:// or https:// URL."]}
    assert not Post.objects.exists()


def test_api_takes_http_and_https(api, profile):
    response = _post(
        api,
        profile,
        link="http://blog.example.com/post",
        media=[{"url": "https://cdn.example.com/a.jpg", "kind": "image"}],
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("url", [*UNSAFE, "http://www.instagram.com/p/1"])
def test_api_refuses_a_permalink_that_is_not_https(api, account, url):
    target = TargetFactory(post__account=account, status="manual", posting_mode="manual")
    response = api.post(f"/targets/{target.pk}/mark-posted", {"permalink": url})
    assert response.status_code == 400, response.content
    assert list(response.json()["detail"]) == ["permalink"]
    assert PostTarget.objects.get(pk=target.pk).status == "manual"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://cdn.example.com/a.jpg", "https://cdn.example.com/a.jpg"),
        ("http://testserver/media/a.jpg", "http://testserver/media/a.jpg"),
        *[(url, "") for url in UNSAFE],
        (" javascript:alert(1)", ""),
        ("java\tscript:alert(1)", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_safe_href_renders_only_http_urls(value, expected):
    assert safe_href(value) == expected


@pytest.fixture
def stored_evil(account):
    """Rows written before these checks existed (or by hand): a javascript: media URL and
    permalink, on a post awaiting approval with a manual target."""
    account.approval_required = True
    account.save()
    post = PostFactory(account=account, status="awaiting_approval", caption="Evil")
    MediaFactory(post=post, kind="video", url=EVIL)
    MediaFactory(post=post, kind="image", url=EVIL, position=1)
    manual = TargetFactory(post=post, status="manual", posting_mode="manual")
    published = TargetFactory(post=post, status="published")
    PostTarget.objects.filter(pk=published.pk).update(permalink=EVIL)
    return post, manual


def _no_evil_href(html: str) -> None:
    assert "Evil" in html or "video" in html  # the page did render the post
    assert not re.search(r"""(href|src)\s*=\s*["']?\s*javascript:""", html, re.IGNORECASE), html


def test_a_stored_javascript_url_is_never_a_link_on_the_post_page(owner_client, stored_evil):
    post, _ = stored_evil
    page = owner_client.get(f"/a/{post.account.slug}/posts/{post.pk}/")
    assert page.status_code == 200
    _no_evil_href(page.content.decode())


def test_a_stored_javascript_url_is_never_a_link_on_the_review_page(stored_evil):
    post, _ = stored_evil
    _, token = review_link_create(post=post, reviewer=reviewers_for(post.account)[0])
    page = Client().get(f"/review/{token}/")  # logged out
    assert page.status_code == 200
    _no_evil_href(page.content.decode())


def test_a_stored_javascript_url_is_never_a_link_in_the_queues(owner_client, stored_evil):
    post, _ = stored_evil
    for path in ("manual", "queue"):
        page = owner_client.get(f"/a/{post.account.slug}/{path}/")
        assert page.status_code == 200
        html = page.content.decode()
        assert not re.search(r"""(href|src)\s*=\s*["']?\s*javascript:""", html, re.IGNORECASE)


def test_a_stored_javascript_url_is_never_a_link_in_the_digest_email(stored_evil, owner):
    call_command("send_digests", stdout=StringIO())
    (message,) = mail.outbox
    html = message.alternatives[0][0]
    assert "Evil" in html
    assert not re.search(r"""(href|src)\s*=\s*["']?\s*javascript:""", html, re.IGNORECASE)

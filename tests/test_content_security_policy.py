"""Every page carries a Content-Security-Policy without inline script, and templates need none."""

import re
from pathlib import Path

import pytest
from csp.middleware import CSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory

ROOT = Path(__file__).resolve().parent.parent
HEADER = "Content-Security-Policy"


def _directives(response) -> dict[str, list[str]]:
    assert HEADER in response, f"no {HEADER} header"
    policy = {}
    for part in response[HEADER].split(";"):
        name, *values = part.split()
        policy[name] = values
    return policy


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/a/{slug}/", "/a/{slug}/reports/"])
def test_pages_carry_a_policy_without_inline_script(client, owner_client, account, path):
    browser = client if path.startswith("/accounts/") else owner_client
    response = browser.get(path.format(slug=account.slug))
    assert response.status_code == 200
    policy = _directives(response)
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    # The Connect buttons POST to us and are redirected to the platform's https OAuth dialog.
    assert policy["form-action"][:2] == ["'self'", "https:"]


def test_a_policy_the_view_set_itself_is_kept():
    # Served media sets its own, stricter policy; the site-wide one must not replace it.
    own = "default-src 'none'; sandbox"

    def view(request):
        response = HttpResponse(b"media")
        response[HEADER] = own
        return response

    response = CSPMiddleware(view)(RequestFactory().get("/media/x.jpg"))
    assert response[HEADER] == own


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"<style", re.I), "<style> element"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_page_templates_have_no_inline_script_or_style():
    # Emails are not pages (no CSP applies, and mail clients need inline styles).
    templates = [
        path
        for path in (ROOT / "templates").rglob("*.html")
        if "email" not in path.relative_to(ROOT / "templates").parts
    ]
    assert templates
    problems = [
        f"{path.relative_to(ROOT)}: {label}"
        for path in templates
        for pattern, label in INLINE
        if pattern.search(path.read_text())
    ]
    assert not problems, "the CSP blocks these; move them to static/js or static/css: " + ", ".join(
        problems
    )

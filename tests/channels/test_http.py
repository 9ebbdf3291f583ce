import logging

import pytest
import requests
import responses

from channels.http import PlatformError, PlatformHTTP, redact, rewrite_url
from channels.providers.meta import classify_meta_error


def test_rewrite_applies_to_matching_origins_only(settings):
    settings.SOCIALDIST_URL_REWRITES = [("https://graph.facebook.com", "http://127.0.0.1:8101")]
    assert rewrite_url("https://graph.facebook.com/v25.0/me") == "http://127.0.0.1:8101/v25.0/me"
    assert (
        rewrite_url("https://graph.facebook.com.evil.com/x")
        == "https://graph.facebook.com.evil.com/x"
    )
    assert rewrite_url("https://api.x.com/2/tweets") == "https://api.x.com/2/tweets"


def test_redact_hides_every_secret_parameter():
    url = "https://g/oauth/access_token?client_id=1&client_secret=s3&code=c0de&access_token=EAA&x=1"
    assert redact(url) == (
        "https://g/oauth/access_token?client_id=1&client_secret=[redacted]"
        "&code=[redacted]&access_token=[redacted]&x=1"
    )


@responses.activate
def test_requests_are_logged_without_tokens(caplog):
    responses.get("https://graph.facebook.com/v25.0/me", json={"id": "1"})
    http = PlatformHTTP("instagram")
    with caplog.at_level(logging.INFO, logger="socialdist.http"):
        http.get("https://graph.facebook.com/v25.0/me", params={"access_token": "EAAsecret"})
        http.get("https://graph.facebook.com/v25.0/me?access_token=EAAsecret")
    assert "EAAsecret" not in caplog.text
    assert "200" in caplog.text


@responses.activate
@pytest.mark.parametrize(
    ("status", "body", "headers", "kind", "code", "retry_after"),
    [
        (
            500,
            {"error": {"code": 2, "message": "down", "is_transient": True}},
            {},
            "transient",
            "2",
            None,
        ),
        (503, "upstream", {}, "transient", "503", None),
        (429, "slow down", {"Retry-After": "120"}, "rate_limited", "429", 120),
        (
            400,
            {"error": {"code": 190, "error_subcode": 463, "message": "expired"}},
            {},
            "auth",
            "190/463",
            None,
        ),
        (
            400,
            {"error": {"code": 36004, "error_subcode": 2207010, "message": "long"}},
            {},
            "permanent",
            "36004/2207010",
            None,
        ),
        (
            400,
            {"error": {"code": 9, "error_subcode": 2207042, "message": "quota"}},
            {},
            "rate_limited",
            "9/2207042",
            86400,
        ),
        (
            400,
            {"error": {"code": 80002, "message": "busy"}},
            {"X-Business-Use-Case-Usage": '{"1":[{"estimated_time_to_regain_access":7}]}'},
            "rate_limited",
            "80002",
            420,
        ),
        (401, "nope", {}, "auth", "401", None),
        (404, "missing", {}, "permanent", "404", None),
    ],
)
def test_failures_are_classified(status, body, headers, kind, code, retry_after):
    kwargs = {"json": body} if isinstance(body, dict) else {"body": body}
    responses.get("https://graph.facebook.com/x", status=status, headers=headers, **kwargs)
    http = PlatformHTTP("instagram", classify_meta_error)
    with pytest.raises(PlatformError) as info:
        http.get("https://graph.facebook.com/x")
    assert (info.value.kind, info.value.code, info.value.retry_after) == (kind, code, retry_after)
    assert info.value.http_status == status


@responses.activate
def test_read_timeout_is_transient_and_maybe_delivered():
    responses.post("https://graph.facebook.com/x", body=requests.ReadTimeout("slow"))
    with pytest.raises(PlatformError) as info:
        PlatformHTTP("instagram").post("https://graph.facebook.com/x")
    assert (info.value.kind, info.value.code, info.value.maybe_delivered) == (
        "transient",
        "timeout",
        True,
    )


@responses.activate
def test_connection_refused_is_transient():
    responses.get("https://graph.facebook.com/x", body=requests.ConnectionError("refused"))
    with pytest.raises(PlatformError) as info:
        PlatformHTTP("instagram").get("https://graph.facebook.com/x")
    assert info.value.kind == "transient"


@responses.activate
def test_non_json_success_is_a_transient_bad_response():
    responses.get("https://graph.facebook.com/x", body="<html>maintenance</html>")
    with pytest.raises(PlatformError) as info:
        PlatformHTTP("instagram").get("https://graph.facebook.com/x")
    assert (info.value.kind, info.value.code) == ("transient", "bad_response")

"""YouTube's errors (PLATFORMS.md §7.4): the Google envelope's `errors[].reason` and the token
endpoint's flat OAuth shape, each as a PlatformError a person can act on."""

import requests

from channels.http import AUTH, PERMANENT, RATE_LIMITED, TRANSIENT, PlatformError
from channels.providers.youtube import quota
from channels.providers.youtube.quota import UNITS, UPLOADS

# errors[].reason → (kind, sentence); the sentence leads, YouTube's own message follows.
REASONS = {
    "invalidTags": (PERMANENT, "YouTube refused the tags: together they may have at most 500 "
                    "characters (a tag with a space counts its quotes), none with < or >. "
                    "Shorten the tags, then retry."),
    "invalidTitle": (PERMANENT, "YouTube refused the title: it must be 1–100 characters "
                     "without < or >. Change the title, then retry."),
    "invalidDescription": (PERMANENT, "YouTube refused the description: at most 5,000 bytes, "
                           "without < or >. Shorten it, then retry."),
    "invalidCategoryId": (PERMANENT, "YouTube refused the category; choose another one."),
    "youtubeSignupRequired": (PERMANENT, "The Google account has no YouTube channel; create "
                              "one on youtube.com, then reconnect YouTube."),
    "uploadLimitExceeded": (RATE_LIMITED, "YouTube's upload limit for this channel is reached "
                            "for today; the video waits until tomorrow (Pacific time)."),
    "rateLimitExceeded": (RATE_LIMITED, "YouTube asked us to slow down; the video goes out in a "
                          "minute."),
    "userRateLimitExceeded": (RATE_LIMITED, "YouTube asked us to slow down; the video goes out "
                              "in a minute."),
    "authError": (AUTH, "YouTube no longer accepts the channel's access; reconnect YouTube."),
    "insufficientPermissions": (AUTH, "The YouTube connection lacks the upload permission; "
                                "reconnect YouTube and allow every permission asked."),
    "forbidden": (AUTH, "YouTube refused the channel's access; reconnect YouTube."),
    "backendError": (TRANSIENT, "YouTube had a temporary error."),
}  # fmt: skip


def classify(response: requests.Response, project: str) -> PlatformError | None:
    """quotaExceeded also marks the project's bucket spent, so other targets slip before calling."""
    try:
        body = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    status = response.status_code
    if isinstance(error, str):  # the token endpoint's flat OAuth shape
        detail = body.get("error_description") or error
        if error == "invalid_grant":
            return PlatformError(AUTH, error, f"Google no longer accepts the YouTube "
                                 f"connection ({detail}); reconnect YouTube.", http_status=status)  # fmt: skip
        if error == "invalid_client":
            return PlatformError(PERMANENT, error, "Google does not know this app's client: "
                                 "check YOUTUBE_CLIENT_ID and YOUTUBE_CLIENT_SECRET.",
                                 http_status=status)  # fmt: skip
        return PlatformError(PERMANENT, error, detail, http_status=status)
    if not isinstance(error, dict):
        return None
    message = str(error.get("message") or "")
    reasons = [e.get("reason", "") for e in error.get("errors") or [] if isinstance(e, dict)]
    reason = reasons[0] if reasons else str(error.get("status") or status)
    if reason == "quotaExceeded":
        url = response.request.url if response.request is not None else ""
        bucket = UPLOADS if "/upload/youtube/v3/videos" in (url or "") else UNITS
        quota.mark_spent(project, bucket)
        exc = quota.exhausted(bucket, "this video" if bucket == UPLOADS else "this YouTube call")
        exc.message += f" (YouTube: {message})" if message else ""
        exc.http_status = status
        return exc
    kind, sentence = REASONS.get(reason, (None, ""))
    if kind is None:
        if status == 401:
            kind, sentence = AUTH, "YouTube no longer accepts the access token."
        elif status >= 500:
            kind, sentence = TRANSIENT, "YouTube had a temporary error."
        elif status == 429:
            kind, sentence = RATE_LIMITED, "YouTube asked us to slow down."
        else:
            kind = PERMANENT
    text = f"{sentence} (YouTube: {message})" if sentence and message else sentence or message
    retry_after = None
    if kind == RATE_LIMITED:
        retry_after = quota.seconds_to_reset() if reason == "uploadLimitExceeded" else 60
    return PlatformError(kind, reason, text, retry_after=retry_after, http_status=status)

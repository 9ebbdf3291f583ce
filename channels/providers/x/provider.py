"""X (Twitter) API v2: OAuth 2.0 with PKCE and rotating single-use refresh tokens, posts and
threads (a chain of replies, each part checkpointed), v2 chunked media, metrics (PLATFORMS.md §6).

Text is counted the twitter-text way (URLs 23, CJK and emoji 2) with `twitter-text-parser`.
"""

import base64
import hashlib
import html
import re
import time
from datetime import timedelta
from urllib.parse import urlencode

import requests
from django.utils import timezone

from channels.http import AUTH, PERMANENT, RATE_LIMITED, TRANSIENT, PlatformError
from channels.limits import MB, PlatformLimits, TypeLimits, limit_problems
from channels.providers.base import (
    Content,
    Metrics,
    MetricsRequest,
    OAuthResult,
    OptionField,
    Problem,
    ProfileInfo,
    Provider,
    Published,
    PublishRequest,
)
from channels.providers.x.media import API, prepare_media
from channels.providers.x.text import (
    LONG_LIMIT,
    SHORT_LIMIT,
    thread_parts,
    weighted_length,
    weighted_limit,
)

AUTHORIZE = "https://x.com/i/oauth2/authorize"
TOKEN = f"{API}/oauth2/token"
# §6.3 billing (pay-per-use since 2026-02-06): per POST /2/tweets request.
COST_POST, COST_POST_WITH_URL = 0.015, 0.20
URL = re.compile(r"https?://\S+", re.IGNORECASE)
RATE_LIMIT_WAIT = 15 * 60
# After a lost answer, a part sent this recently may not show among the account's posts yet.
SETTLE_SECONDS = 60
# X snowflake ids carry their creation time (ms since this epoch in the top bits).
SNOWFLAKE_EPOCH_MS = 1288834974657
NON_PUBLIC_DAYS = 30  # §6.5: non_public_metrics only for posts up to 30 days old

LIMITS = PlatformLimits(
    caption_max=LONG_LIMIT,  # the weighted check is ours (validate); this is only a backstop
    post_types={
        # §6.3: up to 4 photos, or one GIF, or one video; text alone is fine.
        kind: TypeLimits(
            0,
            4,
            frozenset({"image", "video"}),
            image_mime=frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"}),
            image_max_bytes=15 * MB,  # animated GIFs; other images 5 MB (validate)
            video_max_bytes=512 * MB,
            video_min_s=0.5,
            video_max_s=140,
            aspect_min=1 / 3 if kind == "video" else None,
            aspect_max=3.0 if kind == "video" else None,
        )
        for kind in ("feed", "thread")
    }
    | {
        "video": TypeLimits(
            1,
            1,
            frozenset({"video"}),
            video_max_bytes=512 * MB,
            video_min_s=0.5,
            video_max_s=140,
            aspect_min=1 / 3,
            aspect_max=3.0,
        ),
    },  # fmt: skip
)

REPLY_CHOICES = (
    ("following", "People you follow"),
    ("mentionedUsers", "Only people you mention"),
    ("subscribers", "Your subscribers"),
    ("verified", "Verified accounts"),
)

OPTIONS = (
    OptionField(
        "thread",
        "Thread (add a part after a line of ---)",
        kind="parts",
        help="Each part goes out as a reply to the one before; the caption is the first post.",
        max_length=LONG_LIMIT,
    ),
    OptionField(
        "long_posts",
        "Long posts allowed (X Premium)",
        help="Up to 25,000 characters per post instead of 280; only X Premium accounts may.",
        profile_default=True,
    ),
    OptionField(
        "auto_split",
        "Split long text into a numbered thread",
        help="Text over X's limit goes out as a thread, cut at sentence ends and numbered 1/n.",
    ),
    OptionField(
        "reply_settings",
        "Who can reply",
        kind="choice",
        choices=REPLY_CHOICES,
        prompt="Everyone",
        default_prompt="Everyone",
    ),
)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _header_int(response: requests.Response, name: str) -> int | None:
    value = (response.headers.get(name) or "").strip()
    return int(value) if value.isdigit() else None


def _wait_until(epoch: int | None) -> float | None:
    """Seconds until an `x-rate-limit-reset`-style epoch (§6.4), at least one."""
    return max(1.0, epoch - time.time() + 1) if epoch else None


class XProvider(Provider):
    slug = "x"
    name = "X"
    uses_pkce = True
    has_refresh = True  # 2 h access tokens, single-use rotating refresh tokens (offline.access)
    # Due 40 minutes into a 2 h token: the hourly check_tokens always renews it in time.
    refresh_margin = timedelta(minutes=80)
    scopes = ["tweet.read", "tweet.write", "users.read", "offline.access", "media.write"]
    limits = LIMITS
    # X's posting limit is 2,400 posts a day per account (replies included; X help centre);
    # 100 per 15 minutes through the API (§6.3).
    daily_cap = 2400
    # Weekday late mornings and lunch, early evening (Sprout Social / Hootsuite 2025, rounded).
    windows = {"weekday": ("09:00", "12:00", "17:00"), "weekend": ("10:00", "13:00", "18:00")}
    preview_aspects = {"feed": 16 / 9, "thread": 16 / 9, "video": 16 / 9}
    options = OPTIONS
    metrics_batch_size = 100  # GET /2/tweets takes up to 100 ids (§6.5)

    @classmethod
    def count_text(cls, text: str) -> int:
        return weighted_length(text)

    @classmethod
    def caption_limit(cls, post_type: str) -> int:
        return SHORT_LIMIT  # what most accounts have; Premium's 25,000 is a profile switch

    @classmethod
    def text_limit(cls, post_type: str, options: dict) -> int:
        return weighted_limit(options)

    @classmethod
    def cost_note(cls, content: Content, options: dict) -> str:
        parts = thread_parts(content, options)
        cost = sum(COST_POST_WITH_URL if URL.search(p) else COST_POST for p in parts)
        posts = f"this thread is {len(parts)} posts" if len(parts) > 1 else "this is 1 post"
        return (
            f"Each post costs about {_money(COST_POST)} on X's pay-per-use API "
            f"({_money(COST_POST_WITH_URL)} with a link); {posts}, about {_money(cost)}."
        )

    # Errors ---------------------------------------------------------------------------------
    def classify_error(self, response: requests.Response) -> PlatformError | None:
        try:
            body = response.json()
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        status = response.status_code
        problem = str(body.get("type") or "")
        detail = str(body.get("detail") or body.get("title") or "")
        legacy = body.get("errors") if isinstance(body.get("errors"), list) else []
        codes = {e.get("code") for e in legacy if isinstance(e, dict)}
        text = (detail + " " + " ".join(str(e.get("message", "")) for e in legacy
                                        if isinstance(e, dict))).strip()  # fmt: skip
        if isinstance(body.get("error"), str) and status in (400, 401):  # the token endpoint
            return PlatformError(
                AUTH,
                body["error"],
                "X no longer accepts this connection's refresh token "
                f"({body.get('error_description') or body['error']}); reconnect X.",
                http_status=status,
            )
        if status == 429 or 88 in codes:
            return self._rate_limited(response, problem, text)
        if status == 401 or codes & {32, 89}:
            return PlatformError(
                AUTH, "401", f"X refused the access token ({text or 'unauthorized'}).",
                http_status=status,
            )  # fmt: skip
        if 187 in codes or "duplicate" in text.lower():
            return PlatformError(
                PERMANENT,
                "duplicate_content",
                "X refused this post as a duplicate: the account already posted the same text. "
                "Change the text (or delete the earlier post on X), then retry.",
                http_status=status,
            )
        if status == 413:
            return PlatformError(
                PERMANENT,
                "payload_too_large",
                "X refused a media segment as too large (413); media goes in segments of at "
                "most 5 MB. Retry the post; if it happens again, report it.",
                http_status=status,
            )
        if status >= 500:
            return PlatformError(
                TRANSIENT, str(status), f"X had a server error ({text or status}).",
                http_status=status, maybe_delivered=True,
            )  # fmt: skip
        if status == 403:
            return PlatformError(
                PERMANENT,
                "forbidden",
                f"X refused the request: {text or 'not permitted'}. Check that the X app has "
                "write access (tweet.write, media.write) and the account is in good standing.",
                http_status=status,
            )
        return PlatformError(
            PERMANENT, str(status), f"X refused the request: {text or status}.", http_status=status
        )

    def _rate_limited(self, response: requests.Response, problem: str, text: str) -> PlatformError:
        if "usage-capped" in problem or "usagecap" in text.lower().replace(" ", ""):
            reset = _header_int(response, "x-user-limit-24hour-reset") or _header_int(
                response, "x-rate-limit-reset"
            )
            return PlatformError(
                RATE_LIMITED,
                "usage_capped",
                "The X app's API usage cap is reached, so X accepts no more posts for now; "
                "posts wait and go out when it resets. Raise the cap or spend limit in the X "
                "developer console to post sooner.",
                retry_after=_wait_until(reset) or 3600,
                http_status=response.status_code,
            )
        if _header_int(response, "x-user-limit-24hour-remaining") == 0:
            reset = _header_int(response, "x-user-limit-24hour-reset")
            return PlatformError(
                RATE_LIMITED,
                "daily_limit",
                "This X account reached its 24-hour posting limit; posts wait until it resets.",
                retry_after=_wait_until(reset) or 3600,
                http_status=response.status_code,
            )
        if _header_int(response, "x-app-limit-24hour-remaining") == 0:
            reset = _header_int(response, "x-app-limit-24hour-reset")
            return PlatformError(
                RATE_LIMITED,
                "app_daily_limit",
                "The X app reached its 24-hour posting limit; posts wait until it resets.",
                retry_after=_wait_until(reset) or 3600,
                http_status=response.status_code,
            )
        return PlatformError(
            RATE_LIMITED,
            "rate_limit",
            "X's rate limit is reached; the post waits until it resets.",
            retry_after=_wait_until(_header_int(response, "x-rate-limit-reset")) or RATE_LIMIT_WAIT,
            http_status=response.status_code,
        )

    # OAuth ----------------------------------------------------------------------------------
    def authorize_url(self, *, state: str, code_verifier: str, redirect_uri: str) -> str:
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        query = urlencode({
            "response_type": "code", "client_id": self.client_id, "redirect_uri": redirect_uri,
            "scope": " ".join(self.scopes), "state": state, "code_challenge": challenge,
            "code_challenge_method": "S256",
        })  # fmt: skip
        return f"{AUTHORIZE}?{query}"

    def _token(self, form: dict) -> dict:
        """Confidential client: Basic auth with the app's id and secret (§6.1)."""
        return self.http.post(
            TOKEN, data={**form, "client_id": self.client_id},
            auth=(self.client_id, self.client_secret),
        )  # fmt: skip

    def exchange_code(self, *, code: str, code_verifier: str, redirect_uri: str) -> OAuthResult:
        tokens = self._token({
            "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        })  # fmt: skip
        user = self._me(tokens["access_token"])
        return self._result(tokens, user)

    def refresh(self, *, refresh_token: str, access_token: str) -> OAuthResult | None:
        """Single use: X invalidates `refresh_token` now and answers with its successor, which
        the caller stores in the same write as the new access token, before anything uses it."""
        tokens = self._token({"grant_type": "refresh_token", "refresh_token": refresh_token})
        return self._result(tokens, {})

    def _result(self, tokens: dict, user: dict) -> OAuthResult:
        return OAuthResult(
            external_user_id=str(user.get("id", "")),
            display_name=user.get("name", ""),
            access_token=tokens["access_token"],
            refresh_token=tokens.get("refresh_token") or "",
            expires_at=timezone.now() + timedelta(seconds=int(tokens.get("expires_in", 7200))),
            scopes=[s for s in str(tokens.get("scope", "")).split() if s],
        )

    def _me(self, token: str) -> dict:
        return self.http.get(
            f"{API}/users/me",
            params={"user.fields": "id,name,username,profile_image_url"},
            headers=_bearer(token),
        )["data"]

    def list_profiles(self, *, access_token: str) -> list[ProfileInfo]:
        user = self._me(access_token)
        return [ProfileInfo(
            external_id=str(user["id"]), name=user.get("name") or user.get("username", ""),
            username=user.get("username", ""), picture_url=user.get("profile_image_url", ""),
        )]  # fmt: skip

    # Validation -----------------------------------------------------------------------------
    def validate(self, content: Content) -> list[Problem]:
        problems = [p for p in limit_problems(self.limits, self.name, content)
                    if p.code != "caption_too_long"]  # fmt: skip
        count = weighted_length(content.caption)
        if count > LONG_LIMIT:
            problems.append(Problem(
                "caption_too_long",
                f"The text counts {count:,} characters the way X counts them (links 23, emoji "
                f"and CJK 2); X allows at most {LONG_LIMIT:,} even for Premium accounts.",
            ))  # fmt: skip
        if not content.caption.strip() and not content.media:
            problems.append(Problem("caption_empty", "An X post needs text or media."))
        media = content.media
        special = [m for m in media if m.kind == "video" or m.mime_type == "image/gif"]
        if special and len(media) > 1:
            problems.append(Problem(
                "media_mix",
                "X takes up to 4 photos, or one GIF, or one video per post; post the GIF or "
                "video on its own.",
                "media",
            ))  # fmt: skip
        for index, item in enumerate(media, start=1):
            if (
                item.kind == "image"
                and item.mime_type != "image/gif"
                and ((item.size_bytes or 0) > 5 * MB)
            ):
                problems.append(Problem(
                    "image_too_large",
                    f"Media {index} is {item.size_bytes / MB:.1f} MB; X allows 5 MB per photo "
                    "(15 MB for a GIF).",
                    "media",
                ))  # fmt: skip
        return problems

    def validate_with_options(self, content: Content, options: dict) -> list[Problem]:
        """The weighted limit (280, or 25,000 with the profile's Premium switch) for the
        caption and each thread part."""
        limit = weighted_limit(options)
        parts = thread_parts(content, options)
        problems = []
        hint = "" if limit == LONG_LIMIT else (
            " Shorten it, split it into thread parts (or turn on \"Split long text into a "
            "numbered thread\"), or turn on \"Long posts allowed (X Premium)\" for a Premium "
            "profile."
        )  # fmt: skip
        for number, part in enumerate(parts, start=1):
            count = weighted_length(part)
            if count <= limit:
                continue
            what = "The text" if number == 1 else f"Thread part {number} of {len(parts)}"
            field = "caption" if number == 1 else "options.thread"
            problems.append(Problem(
                "caption_too_long" if number == 1 else "thread_part_too_long",
                f"{what} counts {count:,} characters the way X counts them (links 23, emoji and "
                f"CJK 2); X allows {limit:,}.{hint}",
                field,
            ))  # fmt: skip
        return problems

    # Publishing -----------------------------------------------------------------------------
    def prepare(self, request: PublishRequest) -> None:
        """Text checks that need the post's options, then the media (uploaded and processed,
        each id checkpointed). Nothing here posts."""
        problems = self.validate_with_options(request.content, request.options)
        if problems:
            raise PlatformError(PERMANENT, problems[0].code, " ".join(p.message for p in problems))
        if request.content.media and not request.state.get("media_ready"):
            ids = prepare_media(self.http, request, _bearer(request.access_token))
            request.checkpoint({"media_ids": ids, "media_ready": True})

    def finish(self, request: PublishRequest) -> Published:
        """The first post, then each thread part as a reply to the one before. Each id is
        checkpointed before the next call, and the part about to be sent before it is sent,
        so a lost answer or a crash resumes at the next part and never repeats one."""
        parts = thread_parts(request.content, request.options)
        ids: list[str] = list(request.state.get("post_ids") or [])
        while len(ids) < len(parts):
            index = len(ids)
            resent = request.state.get("sending") == index  # sent before; its answer was lost
            request.checkpoint({"sending": index, "sending_at": time.time()})
            try:
                post_id = self._post(request, parts, index, ids)
            except PlatformError as exc:
                # X refuses the same text twice: a resent part it calls a duplicate is the one
                # whose answer was lost, if it shows now (X was slow to list it).
                found = (
                    resent
                    and exc.code == "duplicate_content"
                    and self._find(request, parts[index], ids[-1] if ids else "", since=0)
                )
                if not found:
                    raise _part_error(exc, index, len(parts)) from exc
                post_id = found
            ids.append(post_id)
            request.checkpoint({"post_ids": ids})
        return self._published(request, ids)

    def _post(self, request: PublishRequest, parts: list[str], index: int, ids: list[str]) -> str:
        body: dict = {"text": parts[index]}
        if index == 0:
            if request.state.get("media_ids"):
                body["media"] = {"media_ids": request.state["media_ids"]}
            if request.options.get("reply_settings") in dict(REPLY_CHOICES):
                body["reply_settings"] = request.options["reply_settings"]
        else:
            body["reply"] = {"in_reply_to_tweet_id": ids[-1]}
        data = (
            self.http.post(f"{API}/tweets", json=body, headers=_bearer(request.access_token)).get(
                "data"
            )
            or {}
        )
        if not data.get("id"):
            # A 201 without an id: X may or may not have it; reconcile looks before any resend.
            raise PlatformError(
                TRANSIENT, "no_post_id", "X answered without the new post's id.",
                maybe_delivered=True,
            )  # fmt: skip
        return str(data["id"])

    def _published(self, request: PublishRequest, ids: list[str]) -> Published:
        user = request.profile_username or "i/web"
        extra = {"thread_ids": ids} if len(ids) > 1 else {}
        return Published(
            platform_post_id=ids[0], permalink=f"https://x.com/{user}/status/{ids[0]}", extra=extra
        )

    def reconcile(self, request: PublishRequest) -> Published | None:
        """After a lost answer: find the part that was being sent among the account's recent
        posts (the same text; a reply to the part before it). Everything sent → the post; a
        part still to send → None, so publishing resumes at it."""
        state = request.state
        parts = thread_parts(request.content, request.options)
        ids: list[str] = list(state.get("post_ids") or [])
        sending = state.get("sending")
        if sending is not None and int(sending) == len(ids) and len(ids) < len(parts):
            found = self._find(request, parts[len(ids)], ids[-1] if ids else "")
            if found:
                ids.append(found)
                request.checkpoint({"post_ids": ids})
            elif time.time() - float(state.get("sending_at") or 0) < SETTLE_SECONDS:
                # A request that timed out may still be on its way in: look again later
                # rather than send the part a second time now.
                raise PlatformError(
                    TRANSIENT, "not_visible_yet",
                    f"X does not show part {len(ids) + 1} yet, and it was sent moments ago.",
                    maybe_delivered=True,
                )  # fmt: skip
        if len(ids) == len(parts):
            return self._published(request, ids)
        return None

    def _find(
        self, request: PublishRequest, text: str, parent: str, since: float | None = None
    ) -> str:
        if since is None:  # sent at sending_at; X's clock may differ a little
            since = float(request.state.get("sending_at") or 0) - 120
        body = self.http.get(
            f"{API}/users/{request.profile_external_id}/tweets",
            params={"max_results": 20, "tweet.fields": "created_at,referenced_tweets"},
            headers=_bearer(request.access_token),
        )
        for post in body.get("data") or []:
            replied = {r.get("id") for r in post.get("referenced_tweets") or []
                       if r.get("type") == "replied_to"}  # fmt: skip
            if parent and parent not in replied:
                continue
            if _created(str(post.get("id", ""))) < since:
                continue
            if _same_text(str(post.get("text", "")), text):
                return str(post["id"])
        return ""

    # Metrics --------------------------------------------------------------------------------
    def fetch_metrics(self, requests: list[MetricsRequest]) -> list[Metrics]:
        """Public metrics for all; the author-only non_public ones where every post of the call
        is at most 30 days old (X refuses them for older posts)."""
        found: dict[str, dict] = {}
        errors: dict[str, str] = {}
        cutoff = time.time() - NON_PUBLIC_DAYS * 86400 + 3600
        recent = [r for r in requests if _created(r.platform_post_id) >= cutoff]
        older = [r for r in requests if _created(r.platform_post_id) < cutoff]
        for group, fields in ((recent, "public_metrics,non_public_metrics"),
                              (older, "public_metrics")):  # fmt: skip
            if not group:
                continue
            body = self.http.get(
                f"{API}/tweets",
                params={"ids": ",".join(r.platform_post_id for r in group),
                        "tweet.fields": f"{fields},created_at"},
                headers=_bearer(group[0].access_token),
            )  # fmt: skip
            found.update({str(p["id"]): p for p in body.get("data") or []})
            for error in body.get("errors") or []:
                errors[str(error.get("resource_id") or error.get("value") or "")] = str(
                    error.get("detail") or error.get("title") or "not found"
                )
        return [self._metrics(r, found.get(r.platform_post_id), errors) for r in requests]

    def _metrics(self, request: MetricsRequest, post: dict | None, errors: dict) -> Metrics:
        if post is None:
            reason = errors.get(request.platform_post_id, "X did not return this post")
            return Metrics(key=request.key, error=PlatformError(
                PERMANENT, "not_found", f"X has no metrics for this post ({reason}); it may "
                "have been deleted.",
            ))  # fmt: skip
        public = post.get("public_metrics") or {}
        private = post.get("non_public_metrics") or {}
        reposts = public.get("retweet_count", public.get("repost_count"))
        return Metrics(
            key=request.key,
            views=private.get("impression_count", public.get("impression_count")),
            likes=public.get("like_count"),
            comments=public.get("reply_count"),
            shares=reposts,
            saves=public.get("bookmark_count"),
            clicks=private.get("url_link_clicks"),
            raw={"public_metrics": public, "non_public_metrics": private},
        )


def _part_error(exc: PlatformError, index: int, total: int) -> PlatformError:
    """A thread's failure names its part and what is already on X."""
    if total == 1:
        return exc
    done = "part 1 is" if index == 1 else f"parts 1–{index} are" if index else "nothing is"
    exc.message = f"Part {index + 1} of {total} of the thread did not go out: {exc.message} " + (
        f"({done} on X and stay there; a retry goes on from part {index + 1}.)"
    )
    return exc


def _money(dollars: float) -> str:
    """$0.015, $0.20, $0.045: cents, with a tenth of a cent where there is one."""
    text = f"{dollars:.3f}"
    return "$" + (text[:-1] if text.endswith("0") else text)


def _created(post_id: str) -> float:
    """Creation time (epoch seconds) from an X snowflake id; 0 when it is not one."""
    return ((int(post_id) >> 22) + SNOWFLAKE_EPOCH_MS) / 1000 if post_id.isdigit() else 0.0


def _same_text(theirs: str, ours: str) -> bool:
    """X shortens links to t.co and escapes &, < and >: compare without links and spacing."""

    def norm(text: str) -> str:
        return " ".join(URL.sub("", html.unescape(text)).split())

    return norm(theirs) == norm(ours)

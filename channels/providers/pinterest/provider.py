"""Pinterest API v5: OAuth with HTTP Basic client auth and continuous refresh, boards, image,
carousel and video pins, pin analytics (PLATFORMS.md §8).

A pin goes to one board, chosen by its numeric id (the profile's default or the post's own). The
boards are listed at connect time and kept in Profile.extra["boards"], so the board is checked
when the post is scheduled (validate_options) and again live before it is due (precheck).
Video pins: register the media, POST the file to the S3 upload URL (the given fields first, the
file last), follow processing on later ticks, then create the pin with a cover image — the image
that follows the video in the post's media. On trial access (PINTEREST_ACCESS_TIER=trial, the
default) pins are visible only to the creator and the app has 1,000 requests a day: every call is
counted per UTC day in the shared cache and none is sent once the day's budget is spent.
"""

import os
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import requests
from django.core.files.storage import default_storage
from django.utils import timezone
from requests_toolbelt import MultipartEncoder

from channels.http import AUTH, PERMANENT, RATE_LIMITED, TRANSIENT, PlatformError
from channels.limits import GB, MB, PlatformLimits, TypeLimits
from channels.providers.base import (
    Content,
    Metrics,
    MetricsRequest,
    NotReady,
    OAuthResult,
    OptionField,
    Problem,
    ProfileInfo,
    Provider,
    Published,
    PublishRequest,
)
from channels.providers.pinterest.access import access_tier, spend_request
from channels.providers.pinterest.media import (
    as_base64,
    base64_item,
    carousel_problems,
    check_stored,
    cover,
    video_problems,
)

AUTHORIZE = "https://www.pinterest.com/oauth/"
API = "https://api.pinterest.com/v5"
PIN_URL = "https://www.pinterest.com/pin/{}/"
POLL_SECONDS = 30  # video processing usually takes a minute or two
BOARD_PAGE_SIZE = 250
RECENT_PINS = 25  # pins looked at on the board after a lost answer
# How long after asking for a pin its absence from the board proves it was not made (a create
# we timed out on may still be running at Pinterest).
SETTLE_SECONDS = 120
ALT_TEXT_MAX = 500
LINK_MAX = 2048

_IMAGE = dict(
    image_mime=frozenset(
        {"image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp", "image/tiff"}
    ),
    image_max_bytes=20 * MB,
)
# §8.3: title ≤ 100, description ≤ 800 (the spec; the app shows ~500); images ≤ 20 MB;
# carousels 2–5 images of one size; video MP4/MOV/M4V, 4 s–15 min, ≤ 2 GB, 1:2 to 1.91:1.
# A video pin's media are the video and then its cover image.
LIMITS = PlatformLimits(
    caption_max=800,
    post_types={
        "pin": TypeLimits(1, 1, frozenset({"image"}), title_max=100, **_IMAGE),
        "feed": TypeLimits(1, 1, frozenset({"image"}), title_max=100, **_IMAGE),
        "carousel": TypeLimits(2, 5, frozenset({"image"}), title_max=100, **_IMAGE),
        "video": TypeLimits(
            1,
            2,
            frozenset({"video", "image"}),
            title_max=100,
            video_max_bytes=2 * GB,
            video_min_s=4,
            video_max_s=900,
            **_IMAGE,
        ),
    },
)

OPTIONS = (
    OptionField(
        "board_id",
        "Board",
        kind="text",
        max_length=30,
        profile_choices="boards",
        prompt="Choose a board…",
        default_prompt="Choose a board…",
        default_label="Default board",
        help="The board the pin is saved to (its number, from the profile's boards on the "
        "Channels page). Needed unless the profile has a default board.",
        profile_default=True,
    ),
    OptionField(
        "alt_text",
        "Alt text",
        kind="text",
        max_length=ALT_TEXT_MAX,
        help="Describes the image for screen readers; empty uses the library item's alt text.",
    ),
)


def _reset_seconds(response: requests.Response) -> float | None:
    """Retry-After, else x-ratelimit-reset (seconds to wait; an epoch time on some answers)."""
    for name in ("Retry-After", "x-ratelimit-reset"):
        value = (response.headers.get(name) or "").strip()
        if value.replace(".", "", 1).isdigit():
            seconds = float(value)
            if seconds > 1e9:  # an epoch time
                seconds -= timezone.now().timestamp()
            return max(1.0, seconds)
    return None


def _error(code: int | None, message: str, status: int, response=None) -> PlatformError:
    text = message or f"Pinterest answered HTTP {status}."
    if status == 429 or code == 8:
        retry = _reset_seconds(response) if response is not None else None
        return PlatformError(
            RATE_LIMITED, "8", f"Pinterest's rate limit was reached: {text}",
            retry_after=retry or 60, http_status=status,
        )  # fmt: skip
    if status == 401 or code == 2:
        return PlatformError(AUTH, str(code or 401), text, http_status=status)
    if "unable to reach the url" in text.lower():
        return PlatformError(
            PERMANENT,
            "image_unreachable",
            "Pinterest could not download the image from its address: the image URL must be "
            "public (reachable from the internet without a login); host it publicly or upload "
            f"the file to the media library, then retry. (Pinterest: {text})",
            http_status=status,
        )
    if status >= 500:
        return PlatformError(TRANSIENT, str(code or status), text, http_status=status)
    return PlatformError(PERMANENT, str(code or status), text, http_status=status)


class PinterestProvider(Provider):
    slug = "pinterest"
    name = "Pinterest"
    has_refresh = True  # 30-day access tokens; continuous refresh rotates the refresh token
    refresh_margin = timedelta(days=2)
    # The *_secret scopes: secret boards are listed (privacy=ALL), pinned to and read back too.
    scopes = [
        "boards:read", "boards:read_secret", "boards:write", "pins:read", "pins:read_secret",
        "pins:write", "pins:write_secret", "user_accounts:read",
    ]  # fmt: skip
    no_profiles_hint = "Pinterest lists the account itself; sign in with the account to post as."
    limits = LIMITS
    # No documented pin cap; Pinterest's guidance and schedulers keep to ~25 a day (spam flags).
    daily_cap = 25
    # Evenings and weekend mornings (Sprout Social / Later 2025, rounded to the hour).
    windows = {"weekday": ("20:00", "14:00", "21:00"), "weekend": ("20:00", "11:00", "15:00")}
    preview_fold = 500  # the app shows about 500 characters of a description
    preview_aspects = {"pin": 2 / 3, "feed": 2 / 3, "carousel": 2 / 3, "video": 2 / 3}
    options = OPTIONS

    @classmethod
    def composer_notice(cls) -> str:
        if access_tier() == "trial":
            return (
                "This app has Pinterest trial access: pins and boards it creates are visible "
                "only to the creator, and it can make 1,000 requests a day. Apply for standard "
                "access to publish publicly."
            )
        return ""

    def classify_error(self, response: requests.Response) -> PlatformError | None:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        code = body.get("code")
        message = str(body.get("message") or body.get("error_description") or "")
        return _error(code if isinstance(code, int) else None, message, response.status_code,
                      response)  # fmt: skip

    def _call(self, method: str, path: str, token: str = "", **kwargs) -> dict:
        spend_request()
        if token:
            kwargs.setdefault("headers", {})["Authorization"] = f"Bearer {token}"
        url = path if path.startswith("http") else f"{API}{path}"
        return self.http.request(method, url, **kwargs).json()

    # OAuth --------------------------------------------------------------------------------------
    def authorize_url(self, *, state: str, code_verifier: str, redirect_uri: str) -> str:
        query = urlencode({
            "client_id": self.client_id, "redirect_uri": redirect_uri, "response_type": "code",
            "scope": ",".join(self.scopes), "state": state,
        })  # fmt: skip
        return f"{AUTHORIZE}?{query}"

    def _token(self, data: dict) -> dict:
        return self._call(
            "POST", "/oauth/token", data=data, auth=(self.client_id, self.client_secret)
        )

    def exchange_code(self, *, code: str, code_verifier: str, redirect_uri: str) -> OAuthResult:
        tokens = self._token(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        )
        user = self._user(tokens["access_token"])
        return _result(tokens, str(user.get("id") or user.get("username", "")), _name(user))

    def refresh(self, *, refresh_token: str, access_token: str) -> OAuthResult | None:
        # Continuous refresh: a new refresh token (and its expiry) with every access token.
        tokens = self._token(
            {"grant_type": "refresh_token", "refresh_token": refresh_token, "refresh_on": "true"}
        )
        tokens.setdefault("refresh_token", refresh_token)
        return _result(tokens, "", "")

    def _user(self, token: str) -> dict:
        return self._call("GET", "/user_account", token)

    def list_profiles(self, *, access_token: str) -> list[ProfileInfo]:
        """The account itself is the profile; its boards ride along in Profile.extra."""
        user = self._user(access_token)
        return [
            ProfileInfo(
                external_id=str(user.get("id") or user["username"]),
                name=_name(user),
                username=user.get("username", ""),
                picture_url=user.get("profile_image", ""),
                extra={"boards": self.list_boards(access_token=access_token)},
            )
        ]

    def list_boards(self, *, access_token: str) -> list[dict]:
        """Every board the account can pin to, paged by `bookmark`."""
        boards: list[dict] = []
        bookmark = ""
        for _ in range(40):  # 10,000 boards: far beyond any account
            params = {"page_size": BOARD_PAGE_SIZE, "privacy": "ALL"}
            if bookmark:
                params["bookmark"] = bookmark
            page = self._call("GET", "/boards", access_token, params=params)
            boards += [
                {
                    "id": str(b["id"]),
                    "name": str(b.get("name", "")),
                    "privacy": b.get("privacy", ""),
                }
                for b in page.get("items") or []
            ]
            bookmark = page.get("bookmark") or ""
            if not bookmark:
                break
        return boards

    # Validation ---------------------------------------------------------------------------------
    def validate(self, content: Content) -> list[Problem]:
        problems = super().validate(content)
        if content.post_type not in self.limits.post_types:
            return problems
        if len(content.link or "") > LINK_MAX:
            problems.append(Problem(
                "link_too_long",
                f"The link is {len(content.link)} characters; Pinterest allows {LINK_MAX}.", "link",
            ))  # fmt: skip
        if content.post_type == "carousel":
            problems += carousel_problems(content.media)
        if content.post_type == "video":
            problems += video_problems(content.media)
        return problems

    def validate_options(self, options: dict, mode: str, profile_name: str = "") -> list[Problem]:
        """The pin's board: chosen, a numeric id, and one of the profile's boards (the list
        stored at connect, which effective options carry from Profile.extra)."""
        board = str(options.get("board_id") or "").strip()
        boards = options.get("boards")
        field = "options.board_id"
        if not board:
            to = f" on {profile_name}" if profile_name else ""
            return [Problem(
                "board_not_chosen",
                f"Choose a board for this pin{to}: Pinterest saves every pin to a board. Pick "
                "one for the post, or set the profile's default board on the Channels page.",
                field,
            )]  # fmt: skip
        return _board_problems(board, boards if isinstance(boards, list) else None, field)

    def precheck(self, request: PublishRequest) -> list[Problem]:
        """Before the due time: the board still exists on Pinterest (a live look)."""
        board = str(request.options.get("board_id") or "").strip()
        if not board.isdigit():
            return self.validate_options(request.options, request.mode)
        live = self.list_boards(access_token=request.access_token)
        if any(b["id"] == board for b in live):
            return []
        return [_board_gone(board, request.options.get("boards"), "options.board_id")]

    # Publishing ---------------------------------------------------------------------------------
    def prepare(self, request: PublishRequest) -> None:
        """Video pins: register → upload → processing (NotReady until it succeeded). Images are
        fetched by Pinterest with the pin itself, so they have nothing to prepare."""
        if request.content.post_type != "video" or request.state.get("pin_id"):
            return
        state = request.state
        if not state.get("uploaded"):
            self._upload_video(request)
        if state.get("video_ready"):
            return
        media = self._call("GET", f"/media/{state['media_id']}", request.access_token)
        status = media.get("status", "")
        if status == "succeeded":
            request.checkpoint({"video_ready": True})
            return
        if status == "failed":
            # A retry by a person uploads the video again rather than asking about this one.
            request.checkpoint({"media_id": "", "uploaded": False})
            raise PlatformError(
                PERMANENT, "video_processing_failed",
                "Pinterest could not process the video; check it plays and is MP4, MOV or M4V "
                "of 4 s to 15 min, then retry.", post_failed=True,
            )  # fmt: skip
        raise NotReady(POLL_SECONDS, f"Pinterest is processing the video ({status or 'queued'}).")

    def _upload_video(self, request: PublishRequest) -> None:
        """A new registration each time the upload did not finish: its S3 fields are not kept
        (they are credentials), and an unfinished media id never becomes a pin."""
        item = request.content.media[0]
        check_stored(item, "video")
        registered = self._call(
            "POST", "/media", request.access_token, json={"media_type": "video"}
        )
        request.checkpoint({"media_id": str(registered["media_id"]), "uploaded": False})
        request.keep_alive()
        params = registered.get("upload_parameters") or {}
        with default_storage.open(item.storage_name, "rb") as handle:
            # S3 POST policy: every given field as a form field, then the file, last; streamed
            # from storage rather than read into memory (up to 2 GB).
            body = MultipartEncoder(fields=[
                *((name, str(value)) for name, value in params.items()),
                ("file", (os.path.basename(item.storage_name), handle,
                          params.get("Content-Type") or item.mime_type or "video/mp4")),
            ])  # fmt: skip
            self.http.request(
                "POST", registered["upload_url"], expect_json=False, data=body,
                headers={"Content-Type": body.content_type},
            )  # fmt: skip
        request.checkpoint({"uploaded": True})

    def finish(self, request: PublishRequest) -> Published:
        state = request.state
        if state.get("pin_id"):
            return _published(state["pin_id"])
        board = str(request.options.get("board_id") or "").strip()
        # Chosen and an id; whether it exists, Pinterest itself says (404, code 40).
        problems = self.validate_options({"board_id": board}, request.mode)
        if problems:
            raise PlatformError(PERMANENT, problems[0].code, problems[0].message)
        body = self._pin_body(request, board)
        request.checkpoint({"create_requested_at": timezone.now().timestamp(), "board_id": board})
        try:
            pin = self._call("POST", "/pins", request.access_token, json=body)
        except PlatformError as exc:
            if exc.code == "40":  # Board not found
                gone = _board_gone(board, request.options.get("boards"), "options.board_id")
                raise PlatformError(PERMANENT, "board_not_found", gone.message,
                                    http_status=exc.http_status) from exc  # fmt: skip
            raise
        request.checkpoint({"pin_id": str(pin["id"])})
        return _published(str(pin["id"]))

    def _pin_body(self, request: PublishRequest, board: str) -> dict:
        content = request.content
        body: dict = {"board_id": board, "media_source": self._media_source(request)}
        if content.title:
            body["title"] = content.title[:100]
        if content.caption:
            body["description"] = content.caption
        if content.link:
            body["link"] = content.link
        first_image = next((m for m in content.media if m.kind == "image"), None)
        alt = str(request.options.get("alt_text") or "") or (first_image and first_image.alt_text)
        if alt and content.post_type != "video":
            body["alt_text"] = alt[:ALT_TEXT_MAX]
        return body

    def _media_source(self, request: PublishRequest) -> dict:
        media = request.content.media
        post_type = request.content.post_type
        if post_type == "video":
            source = {"source_type": "video_id", "media_id": request.state["media_id"]}
            return source | cover(media[1])
        if post_type == "carousel":
            if all(as_base64(m) for m in media):
                return {"source_type": "multiple_image_base64",
                        "items": [base64_item(m) for m in media]}  # fmt: skip
            return {"source_type": "multiple_image_urls", "items": [{"url": m.url} for m in media]}
        item = media[0]
        if as_base64(item):
            return {"source_type": "image_base64", **base64_item(item)}
        return {"source_type": "image_url", "url": item.url}

    def reconcile(self, request: PublishRequest) -> Published | None:
        """After a lost answer: our pin among the board's recent pins (same link, else same
        title and description, created since we asked); its absence is certain only once the
        call we gave up on cannot still be running (SETTLE_SECONDS), else ask again later."""
        state = request.state
        if state.get("pin_id"):
            return _published(state["pin_id"])
        if not state.get("create_requested_at"):
            return (
                None  # the pin was never asked for (an upload may be unfinished: prepare resumes)
            )
        board = state.get("board_id") or str(request.options.get("board_id") or "")
        page = self._call("GET", f"/boards/{board}/pins", request.access_token,
                          params={"page_size": RECENT_PINS})  # fmt: skip
        since = float(state["create_requested_at"]) - 120
        content = request.content
        for pin in page.get("items") or []:
            if _created(pin) < since:
                continue
            same_link = bool(content.link) and pin.get("link") == content.link
            same_text = (
                not content.link
                and (pin.get("title") or "") == content.title[:100]
                and (pin.get("description") or "") == content.caption
            )
            if same_link or same_text:
                request.checkpoint({"pin_id": str(pin["id"])})
                return _published(str(pin["id"]))
        if timezone.now().timestamp() - float(state["create_requested_at"]) < SETTLE_SECONDS:
            # A call we gave up on may still be running at Pinterest: not yet "certainly not".
            raise PlatformError(
                TRANSIENT, "pin_not_visible_yet",
                "Pinterest does not show the pin on the board yet; looking again shortly.",
                maybe_delivered=True,
            )  # fmt: skip
        return None

    # Metrics ------------------------------------------------------------------------------------
    def fetch_metrics(self, requests: list[MetricsRequest]) -> list[Metrics]:
        return [self._metrics(r) for r in requests]

    def _metrics(self, request: MetricsRequest) -> Metrics:
        today = timezone.now().astimezone(UTC).date()
        params = {
            "start_date": (today - timedelta(days=89)).isoformat(),  # ≤ 90 days back (§8.3)
            "end_date": today.isoformat(),
            "metric_types": "IMPRESSION,SAVE,PIN_CLICK,OUTBOUND_CLICK,TOTAL_COMMENTS,"
            "TOTAL_REACTIONS",
            "app_types": "ALL",
            "split_field": "NO_SPLIT",
        }
        try:
            body = self._call("GET", f"/pins/{request.platform_post_id}/analytics",
                              request.access_token, params=params)  # fmt: skip
        except PlatformError as exc:
            if exc.kind in (AUTH, RATE_LIMITED):
                raise  # the whole batch waits for a token or the budget
            return Metrics(key=request.key, error=exc)
        data = body.get("all") or {}
        summary = data.get("summary_metrics") or {}
        lifetime = data.get("lifetime_metrics") or {}
        # PIN_CLICK counts every click on the pin, the outbound ones (to the link) included.
        return Metrics(
            key=request.key, views=_int(summary.get("IMPRESSION")),
            saves=_int(summary.get("SAVE")), clicks=_int(summary.get("PIN_CLICK")),
            comments=_int(lifetime.get("TOTAL_COMMENTS")),
            likes=_int(lifetime.get("TOTAL_REACTIONS")), raw=data,
        )  # fmt: skip


# Helpers ---------------------------------------------------------------------------------------
def _result(tokens: dict, user_id: str, name: str) -> OAuthResult:
    now = timezone.now()
    refresh_expires = None
    if tokens.get("refresh_token_expires_at"):
        refresh_expires = datetime.fromtimestamp(int(tokens["refresh_token_expires_at"]), UTC)
    elif tokens.get("refresh_token_expires_in"):
        refresh_expires = now + timedelta(seconds=int(tokens["refresh_token_expires_in"]))
    return OAuthResult(
        external_user_id=user_id,
        display_name=name,
        access_token=tokens["access_token"],
        refresh_token=tokens.get("refresh_token") or "",
        expires_at=now + timedelta(seconds=int(tokens.get("expires_in") or 2592000)),
        refresh_expires_at=refresh_expires,
        scopes=[s for s in str(tokens.get("scope", "")).split(",") if s],
    )


def _name(user: dict) -> str:
    return str(user.get("business_name") or user.get("username") or "Pinterest account")


def _published(pin_id: str) -> Published:
    note = (
        "Posted with Pinterest trial access: only the creator can see this pin."
        if access_tier() == "trial"
        else ""
    )
    return Published(platform_post_id=pin_id, permalink=PIN_URL.format(pin_id), note=note)


def _board_name(board: str, boards) -> str:
    for known in boards or []:
        if isinstance(known, dict) and str(known.get("id")) == board:
            return str(known.get("name") or board)
    return board


def _board_gone(board: str, boards, field: str) -> Problem:
    return Problem(
        "board_not_found",
        f"The board “{_board_name(board, boards)}” no longer exists on Pinterest; choose "
        "another board for this pin.",
        field,
    )


def _board_problems(board: str, boards: list | None, field: str) -> list[Problem]:
    if not board.isdigit():
        named = [b for b in boards or [] if str(b.get("name", "")).casefold() == board.casefold()]
        hint = f" (“{named[0]['name']}” is board {named[0]['id']})" if named else ""
        return [Problem(
            "board_not_an_id",
            f"Choose a board by its name from the list, not “{board}” typed in{hint}: Pinterest "
            "takes a board's number, not its name.",
            field,
        )]  # fmt: skip
    if boards is not None and not any(str(b.get("id")) == board for b in boards):
        return [Problem(
            "board_unknown",
            f"Board {board} is not one of this profile's Pinterest boards; choose a board from "
            "the list (if it is new, refresh the boards on the Channels page first).",
            field,
        )]  # fmt: skip
    return []


def _created(pin: dict) -> float:
    value = str(pin.get("created_at") or "")
    try:
        created = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return float("inf")  # unknown: do not rule it out by time
    # Pinterest writes UTC without an offset.
    return (created if created.tzinfo else created.replace(tzinfo=UTC)).timestamp()


def _int(value) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None

"""LinkedIn: OAuth (web flow with client secret), the member and the Company Pages they
administer as profiles, and the Posts API with the Images, Videos and Documents APIs
(PLATFORMS.md §5).

Every intermediate id (image, video and document URNs, each video part's ETag) is checkpointed
before the next call, and a create whose answer was lost is looked up among the author's recent
posts before anything is posted again. A post is only reported published with the URN LinkedIn
gave it, and that URN is checked to exist (Company Page posts have been seen to "succeed" with
nothing posted).
"""

import re
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

import requests
from django.utils import timezone

from channels.http import PERMANENT, TRANSIENT, PlatformError
from channels.limits import MB, PlatformLimits, TypeLimits
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
from channels.providers.linkedin.api import (
    API,
    MEMBER_ANALYTICS_SCOPE,
    OAUTH,
    ORG_PREFIX,
    REST,
    enc,
    is_org,
    rest_headers,
)
from channels.providers.linkedin.errors import classify_linkedin_error
from channels.providers.linkedin.media import (
    MEDIA_STATE,
    MediaLink,
    check_pdf,
    image_for_linkedin,
    media_bytes,
    media_file,
    media_key,
    read_range,
)
from channels.providers.linkedin.metrics import linkedin_metrics
from channels.providers.linkedin.text import little_text

PERMALINK = "https://www.linkedin.com/feed/update/{urn}"
POSTING_ROLES = {"ADMINISTRATOR", "CONTENT_ADMINISTRATOR"}
POLL_SECONDS = 60
VERIFY_TRIES = 3  # a created post LinkedIn does not show after this many looks has failed
RECENT_POSTS = 20
CLOCK_SKEW_MS = 60_000

# Videos, documents and articles carry a title. LinkedIn documents no limit: this is our own
# title field's length, declared so the composer offers LinkedIn its own title.
TITLE_MAX = 300
_IMAGES = dict(
    # JPEG and GIF as they are; a library PNG/WebP goes as its JPEG rendition (see media.py).
    image_mime=frozenset({"image/jpeg", "image/gif"}),
    image_max_bytes=36 * MB,
)
# PLATFORMS.md §5.3: 3,000 characters (after escaping); images JPG/GIF/PNG; multi-image 2–20;
# video MP4 3 s – 30 min, 75 KB – 500 MB; documents are a PDF linked from the post (≤ 100 MB).
LIMITS = PlatformLimits(
    caption_max=3000,
    post_types={
        "feed": TypeLimits(0, 20, frozenset({"image"}), **_IMAGES),
        "carousel": TypeLimits(2, 20, frozenset({"image"}), **_IMAGES),
        "video": TypeLimits(
            1,
            1,
            frozenset({"video"}),
            video_max_bytes=500 * MB,
            video_min_s=3,
            video_max_s=30 * 60,
            title_max=TITLE_MAX,
        ),
        # The PDF or the article is the post's link (validate requires it), never a media item.
        "document": TypeLimits(0, 0, frozenset({"image"}), title_max=TITLE_MAX),
        "article": TypeLimits(0, 0, frozenset({"image"}), title_max=TITLE_MAX),
    },
)

VISIBILITY_CHOICES = (
    ("PUBLIC", "Anyone"),
    ("CONNECTIONS", "Connections only (members' own posts)"),
    ("LOGGED_IN", "Signed-in LinkedIn members"),
)
OPTIONS = (
    OptionField(
        "visibility",
        "Who can see this post",
        kind="choice",
        choices=VISIBILITY_CHOICES,
        prompt="Anyone (default)",
        default_prompt="Anyone (default)",
        default_label="Visibility",
        help="Company Pages post to anyone or to signed-in members; connections-only is for "
        "a member's own posts.",
        profile_default=True,
    ),
)


def _item_label(index: int) -> str:
    return f"Media {index + 1}"


class LinkedInProvider(Provider):
    slug = "linkedin"
    name = "LinkedIn"
    # 60-day access tokens. Approved partners also get a 365-day refresh token (fixed from
    # first consent): refreshed programmatically. Without one, the 7-day banner, 3-day email
    # and held-not-failed path apply (check_tokens skips connections without a refresh token).
    has_refresh = True
    refresh_margin = timedelta(days=7)
    scopes = [
        "openid",
        "profile",
        "email",
        "w_member_social",
        "r_organization_social",
        "w_organization_social",
        "rw_organization_admin",
        MEMBER_ANALYTICS_SCOPE,
    ]
    no_profiles_hint = "Sign in with the LinkedIn member who administers the page."
    limits = LIMITS
    daily_cap = 100  # DESIGN.md: LinkedIn ~100 posts a day per profile (quotas unpublished)
    # Business hours on weekdays (Sprout Social / Hootsuite 2025, rounded to the hour).
    windows = {"weekday": ("09:00", "12:00", "17:00"), "weekend": ("10:00", "13:00", "16:00")}
    # The feed shows about 210 characters before "…see more"; images about 1.91:1 or square.
    preview_fold = 210
    preview_aspects = {"feed": 1.0, "carousel": 1.0, "video": 16 / 9, "article": 1.91,
                       "document": 0.77}  # fmt: skip
    options = OPTIONS
    takes_first_comment = True
    metrics_batch_size = 20

    def classify_error(self, response: requests.Response) -> PlatformError | None:
        return classify_linkedin_error(response)

    @classmethod
    def count_text(cls, text: str) -> int:
        """LinkedIn counts the commentary as sent: after little-text escaping."""
        return len(little_text(text or ""))

    def _headers(self, token: str) -> dict[str, str]:
        return rest_headers(token)

    # Connect --------------------------------------------------------------------------------
    def authorize_url(self, *, state: str, code_verifier: str, redirect_uri: str) -> str:
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "state": state,
                "scope": " ".join(self.scopes),
            }
        )
        return f"{OAUTH}/authorization?{query}"

    def exchange_code(self, *, code: str, code_verifier: str, redirect_uri: str) -> OAuthResult:
        tokens = self.http.post(
            f"{OAUTH}/accessToken",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": self.client_id,
                "client_secret": self.client_secret,
            },
        )
        user = self._userinfo(tokens["access_token"])
        result = self._result(tokens)
        result.external_user_id = str(user["sub"])
        result.display_name = user.get("name") or ""
        return result

    def refresh(self, *, refresh_token: str, access_token: str) -> OAuthResult | None:
        tokens = self.http.post(
            f"{OAUTH}/accessToken",
            data={
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": self.client_id,
                "client_secret": self.client_secret,
            },
        )
        # LinkedIn's refresh token does not rotate, and some answers leave it out: keep ours.
        tokens["refresh_token"] = tokens.get("refresh_token") or refresh_token
        return self._result(tokens)

    def _result(self, tokens: dict) -> OAuthResult:
        now = timezone.now()
        refresh_in = tokens.get("refresh_token_expires_in")
        return OAuthResult(
            external_user_id="",
            display_name="",
            access_token=tokens["access_token"],
            refresh_token=tokens.get("refresh_token") or "",
            expires_at=now + timedelta(seconds=int(tokens.get("expires_in") or 5184000)),
            refresh_expires_at=now + timedelta(seconds=int(refresh_in)) if refresh_in else None,
            scopes=[s for s in re.split(r"[,\s]+", str(tokens.get("scope") or "")) if s],
        )

    def _userinfo(self, token: str) -> dict:
        return self.http.get(f"{API}/v2/userinfo", headers={"Authorization": f"Bearer {token}"})

    def list_profiles(self, *, access_token: str) -> list[ProfileInfo]:
        """The member, and every Company Page they may post to (organizationAcls)."""
        user = self._userinfo(access_token)
        profiles = [
            ProfileInfo(
                external_id=f"urn:li:person:{user['sub']}",
                name=user.get("name") or user.get("given_name") or "LinkedIn member",
                picture_url=str(user.get("picture") or ""),
                extra={"author_kind": "member"},
            )
        ]
        seen: set[str] = set()
        for acl in self._organization_acls(access_token):
            org = str(acl.get("organization") or "")
            if acl.get("role") not in POSTING_ROLES or not is_org(org) or org in seen:
                continue
            seen.add(org)
            details = acl.get("organization~") or {}
            profiles.append(
                ProfileInfo(
                    external_id=org,
                    name=details.get("localizedName") or f"Page {org.removeprefix(ORG_PREFIX)}",
                    username=details.get("vanityName") or "",
                    extra={"author_kind": "organization", "role": acl.get("role")},
                )
            )
        return profiles

    def _organization_acls(self, token: str) -> list[dict]:
        acls: list[dict] = []
        start = 0
        for _ in range(20):  # a hard stop against a paging loop
            query = (
                f"q=roleAssignee&state=APPROVED&count=100&start={start}&projection=(elements*("
                "role,state,organization,organization~(localizedName,vanityName)),paging)"
            )
            try:
                page = self.http.get(
                    f"{API}/v2/organizationAcls?{query}", headers=self._headers(token)
                )
            except PlatformError as exc:
                if exc.http_status in (403, 404):  # no page scopes: the member posts alone
                    return acls
                raise
            elements = page.get("elements") or []
            acls.extend(elements)
            total = (page.get("paging") or {}).get("total")
            start += len(elements)
            if not elements or total is None or start >= int(total):
                break
        return acls

    # Validation -------------------------------------------------------------------------------
    def validate(self, content: Content) -> list[Problem]:
        problems = [p for p in super().validate(content) if p.code != "caption_too_long"]
        if content.post_type not in self.limits.post_types:
            return problems
        counted = self.count_text(content.caption)
        if counted > self.limits.caption_max:
            extra = "" if counted == len(content.caption) else " once LinkedIn's escaping is added"
            problems.insert(0, Problem(
                "caption_too_long",
                f"Caption is {counted} characters{extra}; LinkedIn allows "
                f"{self.limits.caption_max}.",
            ))  # fmt: skip
        if content.post_type in ("document", "article") and not _http_link(content.link):
            what = "the PDF to share" if content.post_type == "document" else "the article"
            problems.append(Problem(
                "link_missing",
                f"LinkedIn {content.post_type} posts need a link to {what}: add an https:// link.",
                "link",
            ))  # fmt: skip
        return problems

    # Publishing -------------------------------------------------------------------------------
    def prepare(self, request: PublishRequest) -> None:
        """Upload the media (each URN and ETag checkpointed) and wait until LinkedIn processed
        it; nothing here posts."""
        state = request.state
        if state.get("post_urn"):
            return
        key = media_key(request.content)
        if state.get("media_key") != key:
            # New media (or a first run): what an earlier attempt uploaded is not this post's.
            request.checkpoint({**dict.fromkeys(MEDIA_STATE), "media_key": key})
        if state.get("media_ready"):
            return
        post_type = request.content.post_type
        if post_type in ("feed", "carousel") and request.content.media:
            self._upload_images(request)
            self._wait_available(request, "images", state["images"])
        elif post_type == "video":
            self._upload_video(request)
            self._wait_available(request, "videos", [state["video"]])
        elif post_type == "document":
            self._upload_document(request)
            self._wait_available(request, "documents", [state["document"]])
        request.checkpoint({"media_ready": True})

    def _owner(self, request: PublishRequest) -> str:
        return request.profile_external_id

    def _initialize(self, request: PublishRequest, api: str, extra: dict | None = None) -> dict:
        body = {"initializeUploadRequest": {"owner": self._owner(request), **(extra or {})}}
        answer = self.http.post(
            f"{REST}/{api}?action=initializeUpload",
            json=body,
            headers=self._headers(request.access_token),
        )
        value = answer.get("value") or {}
        if not value:
            raise PlatformError(TRANSIENT, "bad_response", f"LinkedIn's {api} answer had no value.")
        return value

    def _put(self, request: PublishRequest, url: str, data, mime: str) -> requests.Response:
        request.keep_alive()
        try:
            return self.http.request(
                "PUT",
                url,
                expect_json=False,
                allow_redirects=False,
                data=data,
                headers={"Authorization": f"Bearer {request.access_token}", "Content-Type": mime},
            )
        except PlatformError as exc:
            if exc.http_status in (403, 404, 410):  # the upload URL expired or is gone
                request.checkpoint(dict.fromkeys(MEDIA_STATE))
                raise PlatformError(
                    TRANSIENT, "upload_url_expired",
                    "LinkedIn no longer takes bytes at the upload address it gave; the media "
                    "will be uploaded again from the start.", http_status=exc.http_status,
                ) from exc  # fmt: skip
            if exc.http_status == 400:  # refused bytes: a retry after a fix uploads afresh
                request.checkpoint(dict.fromkeys(MEDIA_STATE))
            raise

    def _upload_images(self, request: PublishRequest) -> None:
        images = list(request.state.get("images") or [])
        for index, item in enumerate(request.content.media):
            if index < len(images):
                continue
            label = _item_label(index)
            data, mime = image_for_linkedin(media_bytes(self.http, item, label), label)
            pending = request.state.get("image_upload") or {}
            if pending.get("index") != index:
                value = self._initialize(request, "images")
                pending = {"index": index, "urn": value["image"], "url": value["uploadUrl"]}
                request.checkpoint({"image_upload": pending})
            self._put(request, pending["url"], data, mime)
            images.append(pending["urn"])
            request.checkpoint({"images": images, "image_upload": None})

    def _upload_video(self, request: PublishRequest) -> None:
        """initializeUpload → PUT each part by the instructions' byte ranges → finalize with the
        ETags in order (PLATFORMS.md §5.2)."""
        state = request.state
        if state.get("video_finalized"):
            return
        with media_file(self.http, request.content.media[0], _item_label(0)) as (handle, size):
            if not state.get("video"):
                value = self._initialize(request, "videos", {
                    "fileSizeBytes": size, "uploadCaptions": False, "uploadThumbnail": False,
                })  # fmt: skip
                parts = [
                    {"url": p["uploadUrl"], "first": int(p["firstByte"]),
                     "last": int(p["lastByte"])}
                    for p in value.get("uploadInstructions") or []
                ]  # fmt: skip
                request.checkpoint({"video": value["video"], "video_parts": parts, "etags": [],
                                    "upload_token": value.get("uploadToken") or ""})  # fmt: skip
            etags = list(state.get("etags") or [])
            for part in state["video_parts"][len(etags) :]:
                data = read_range(handle, part["first"], part["last"])
                response = self._put(request, part["url"], data, "application/octet-stream")
                etag = response.headers.get("ETag", "")
                if not etag:
                    raise PlatformError(
                        TRANSIENT, "bad_response",
                        "LinkedIn's answer to a video part had no ETag; the upload will resume.",
                    )  # fmt: skip
                etags.append(etag)
                request.checkpoint({"etags": etags})  # a retry resumes at the next part
        self.http.request(
            "POST",
            f"{REST}/videos?action=finalizeUpload",
            expect_json=False,
            json={"finalizeUploadRequest": {"video": state["video"], "uploadedPartIds": etags,
                                            "uploadToken": state.get("upload_token") or ""}},
            headers=self._headers(request.access_token),
        )  # fmt: skip
        request.checkpoint({"video_finalized": True})

    def _upload_document(self, request: PublishRequest) -> None:
        state = request.state
        if state.get("document_uploaded"):
            return
        with media_file(self.http, MediaLink(request.content.link), "The document") as (handle, _):
            check_pdf(handle.read(5))
            handle.seek(0)
            if not state.get("document"):
                value = self._initialize(request, "documents")
                request.checkpoint(
                    {"document": value["document"], "document_url": value["uploadUrl"]}
                )
            self._put(request, state["document_url"], handle, "application/pdf")
        request.checkpoint({"document_uploaded": True})

    def _wait_available(self, request: PublishRequest, api: str, urns: list[str]) -> None:
        """NotReady until each asset is AVAILABLE; a failed one fails the post. Member tokens
        (w_member_social) cannot read images or documents: those are posted without a look."""
        for urn in urns:
            try:
                asset = self.http.get(
                    f"{REST}/{api}/{enc(urn)}", headers=self._headers(request.access_token)
                )
            except PlatformError as exc:
                if exc.http_status in (403, 404) and api != "videos":
                    return
                raise
            status = asset.get("status") or ""
            if status == "AVAILABLE":
                continue
            if status == "PROCESSING_FAILED":
                reason = asset.get("processingFailureReason") or "no reason given"
                request.checkpoint(dict.fromkeys(MEDIA_STATE))  # a retry uploads afresh
                raise PlatformError(
                    PERMANENT,
                    "media_processing_failed",
                    f"LinkedIn could not process the {api[:-1]} ({reason}); replace the file "
                    "(a JPEG image, an MP4 video or a PDF) and retry.",
                    post_failed=True,
                )
            raise NotReady(POLL_SECONDS, f"LinkedIn is processing the {api[:-1]} ({status}).")

    def finish(self, request: PublishRequest) -> Published:
        state = request.state
        if state.get("post_urn"):
            return self._confirmed(request, state["post_urn"])
        body = self._post_body(request)
        request.checkpoint({"post_requested_at": int(timezone.now().timestamp() * 1000)})
        response = self.http.request(
            "POST", f"{REST}/posts", expect_json=False, json=body,
            headers=self._headers(request.access_token),
        )  # fmt: skip
        urn = response.headers.get("x-restli-id", "").strip()
        if not urn:
            # A 201 without an id is no proof of a post: look it up before saying anything.
            raise PlatformError(
                TRANSIENT,
                "no_post_id",
                f"LinkedIn answered HTTP {response.status_code} without the post's id.",
                http_status=response.status_code,
                maybe_delivered=True,
            )
        request.checkpoint({"post_urn": urn})
        return self._confirmed(request, urn)

    def _post_body(self, request: PublishRequest) -> dict:
        content, state = request.content, request.state
        author = request.profile_external_id
        visibility = request.options.get("visibility") or "PUBLIC"
        if visibility == "CONNECTIONS" and is_org(author):
            raise PlatformError(
                PERMANENT,
                "visibility_not_for_pages",
                "Company Pages cannot post to connections only; choose Anyone or signed-in "
                "members for this LinkedIn post, then retry.",
            )
        body: dict = {
            "author": author,
            "commentary": little_text(content.caption or ""),
            "visibility": visibility,
            "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [],
                             "thirdPartyDistributionChannels": []},
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }  # fmt: skip
        alts = [m.alt_text[:4086] for m in content.media]
        images = state.get("images") or []
        if content.post_type in ("feed", "carousel") and len(images) == 1:
            body["content"] = {"media": {"id": images[0], **_alt(alts[0])}}
        elif content.post_type in ("feed", "carousel") and images:
            body["content"] = {"multiImage": {"images": [
                {"id": urn, **_alt(alt)} for urn, alt in zip(images, alts, strict=False)
            ]}}  # fmt: skip
        elif content.post_type == "video":
            body["content"] = {"media": {"id": state["video"], "title": content.title or ""}}
        elif content.post_type == "document":
            title = content.title or _file_title(content.link)
            body["content"] = {"media": {"id": state["document"], "title": title}}
        elif content.post_type == "article":
            article = {"source": content.link, "title": content.title or content.link}
            body["content"] = {"article": article}
        return body

    def _confirmed(self, request: PublishRequest, urn: str) -> Published:
        """The post, once LinkedIn shows it. A URN LinkedIn then says does not exist is not a
        post: asked again on later ticks, then failed so a person sees it."""
        try:
            self.http.get(f"{REST}/posts/{enc(urn)}", headers=self._headers(request.access_token))
        except PlatformError as exc:
            if exc.http_status != 404 or self._listed(request, urn) is not False:
                # Member tokens may not read posts, and only the author's own list saying it
                # lacks the post counts as "not there": otherwise the id stands.
                return _published(urn)
            misses = int(request.state.get("verify_misses") or 0) + 1
            if misses < VERIFY_TRIES:
                request.checkpoint({"verify_misses": misses})
                raise NotReady(POLL_SECONDS, "LinkedIn does not show the new post yet.") from exc
            request.checkpoint({"post_urn": "", "post_requested_at": None, "verify_misses": 0})
            raise PlatformError(
                PERMANENT,
                "post_not_found",
                f"LinkedIn answered that it created the post ({urn}) but does not show it. "
                "Check that the connected member is still an administrator of the page and "
                "that the page is active, then retry.",
                post_failed=True,
            ) from exc
        return _published(urn)

    def reconcile(self, request: PublishRequest) -> Published | None:
        """After a lost answer: our URN if we have it, else the author's recent posts are read
        for ours (same commentary, created since we asked). Never posts."""
        state = request.state
        if state.get("post_urn"):
            return _published(state["post_urn"])
        if not state.get("post_requested_at"):
            return None  # the create was never sent
        urn = self._find_post(request)
        if urn is None:
            return None
        request.checkpoint({"post_urn": urn})
        return _published(urn)

    def _listed(self, request: PublishRequest, urn: str) -> bool | None:
        """Whether the author's recent posts include `urn`; None when they cannot be read."""
        try:
            page = self._recent_posts(request)
        except PlatformError:
            return None
        posts = page.get("elements") or []
        if any(not post.get("id") for post in posts):
            return None  # a list without ids cannot say what is missing
        return any(str(post["id"]) == urn for post in posts)

    def _recent_posts(self, request: PublishRequest) -> dict:
        return self.http.get(
            f"{REST}/posts?q=author&author={enc(request.profile_external_id)}"
            f"&count={RECENT_POSTS}&sortBy=LAST_MODIFIED",
            headers=self._headers(request.access_token),
        )

    def _find_post(self, request: PublishRequest) -> str | None:
        since = int(request.state.get("post_requested_at") or 0) - CLOCK_SKEW_MS
        commentary = little_text(request.content.caption or "")
        page = self._recent_posts(request)
        for post in page.get("elements") or []:
            created = post.get("createdAt") or post.get("publishedAt") or post.get("lastModifiedAt")
            if created and int(created) < since:
                continue  # an older post with the same text is not the one we just sent
            if (post.get("commentary") or "") == commentary:
                return str(post["id"])
        return None

    # First comment ----------------------------------------------------------------------------
    def post_first_comment(self, request: PublishRequest, published: Published) -> str:
        urn = published.platform_post_id
        response = self.http.request(
            "POST",
            f"{REST}/socialActions/{enc(urn)}/comments",
            expect_json=False,
            json={"actor": request.profile_external_id, "object": urn,
                  "message": {"text": request.content.first_comment}},
            headers=self._headers(request.access_token),
        )  # fmt: skip
        comment = response.headers.get("x-restli-id", "")
        if not comment:
            try:
                comment = str(response.json().get("id") or "")
            except ValueError:
                comment = ""
        if not comment:
            raise PlatformError(
                TRANSIENT, "bad_response", "LinkedIn's answer had no comment id.",
                maybe_delivered=True,
            )  # fmt: skip
        return comment

    def find_first_comment(self, request: PublishRequest, published: Published) -> str | None:
        page = self.http.get(
            f"{REST}/socialActions/{enc(published.platform_post_id)}/comments?count=100",
            headers=self._headers(request.access_token),
        )
        for comment in page.get("elements") or []:
            text = ((comment.get("message") or {}).get("text")) or ""
            actor = comment.get("actor") or request.profile_external_id
            if text == request.content.first_comment and actor == request.profile_external_id:
                return str(comment.get("id") or comment.get("$URN") or "")
        return None

    # Metrics ----------------------------------------------------------------------------------
    def fetch_metrics(self, requests: list[MetricsRequest]) -> list[Metrics]:
        return linkedin_metrics(self.http, requests)


def _alt(text: str) -> dict[str, str]:
    return {"altText": text} if text else {}


def _http_link(url: str) -> bool:
    try:
        parts = urlsplit(url or "")
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _file_title(url: str) -> str:
    name = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    return (name.rsplit(".", 1)[0] or "Document").replace("-", " ").replace("_", " ")[:400]


def _published(urn: str) -> Published:
    return Published(platform_post_id=urn, permalink=PERMALINK.format(urn=urn))

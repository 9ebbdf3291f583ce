"""Facebook Pages: text/link posts, photos, multi-photo posts and Reels with the Page token.

The Page token comes from /me/accounts with the long-lived user token (it does not expire while the
grant lives). Feed posts are not idempotent, so before repeating a feed call whose answer was lost
the Page's recent posts are checked first (PLATFORMS.md §3).
"""

from channels.http import PERMANENT, PlatformError
from channels.limits import MB, PlatformLimits, TypeLimits
from channels.providers.base import (
    Content,
    Metrics,
    MetricsRequest,
    NotReady,
    Problem,
    ProfileInfo,
    Provider,
    Published,
    PublishRequest,
)
from channels.providers.meta import GRAPH, MetaProvider, bearer, missing_field, paginate

RUPLOAD = "https://rupload.facebook.com/video-upload/v25.0"
FB_METRICS = "post_total_media_view_unique,post_reactions_by_type_total,post_clicks"
POLL_SECONDS = 60


# PLATFORMS.md §3.3: no API text cap (the UI's 63,206 is used); photos ≤ 10 MB; up to 10 photos
# in a multi-photo post (our choice, as Meta documents none); reels 3–90 s.
LIMITS = PlatformLimits(
    caption_max=63206,
    post_types={
        "feed": TypeLimits(
            0,
            10,
            frozenset({"image"}),
            image_mime=frozenset(
                {"image/jpeg", "image/png", "image/gif", "image/bmp", "image/tiff"}
            ),
            image_max_bytes=10 * MB,
        ),
        # Codecs: PLATFORMS.md gives none for Pages reels; Meta's Reels publishing spec lists
        # H.264, HEVC, VP9 and AV1 (UNCONFIRMED beyond that page).
        "reel": TypeLimits(
            1,
            1,
            frozenset({"video"}),
            video_min_s=3,
            video_max_s=90,
            video_codecs=frozenset({"h264", "hevc", "vp9", "av1"}),
        ),
    },
)


class FacebookProvider(MetaProvider, Provider):
    slug = "facebook"
    name = "Facebook Pages"
    limits = LIMITS
    daily_cap = None  # no numeric cap for feed posts (Reels: 30 per 24 h)
    # Mornings (Sprout Social / Hootsuite 2025, rounded to the hour).
    windows = {"weekday": ("09:00", "13:00", "16:00"), "weekend": ("10:00", "13:00", "17:00")}
    # Longer posts fold behind "See more" at about 480 characters; reels are 9:16.
    preview_fold = 480
    preview_aspects = {"feed": 1.0, "reel": 9 / 16}
    scopes = [
        "pages_show_list",
        "pages_manage_posts",
        "pages_read_engagement",
        "read_insights",
        "publish_video",
        "business_management",
        "pages_manage_engagement",  # the first comment, as the Page
    ]

    def is_own_comment(self, comment: dict, request: PublishRequest) -> bool:
        author = (comment.get("from") or {}).get("id")
        return not author or str(author) == request.profile_external_id

    def list_profiles(self, *, access_token: str) -> list[ProfileInfo]:
        pages = paginate(
            self.http,
            f"{GRAPH}/me/accounts",
            token=access_token,
            params={"fields": "id,name,username,access_token,picture", "limit": 100},
        )
        return [
            ProfileInfo(
                external_id=str(page["id"]),
                name=page.get("name", ""),
                username=page.get("username", ""),
                picture_url=((page.get("picture") or {}).get("data") or {}).get("url", ""),
                access_token=page.get("access_token", ""),
            )
            for page in pages
            if page.get("access_token")
        ]

    def validate(self, content: Content) -> list[Problem]:
        problems = super().validate(content)
        if content.post_type == "feed" and not (content.caption or content.link or content.media):
            problems.append(
                Problem("empty_post", "Facebook posts need text, a link or photos; add one.")
            )
        return problems

    def prepare(self, request: PublishRequest) -> None:
        """Unpublished photos of a multi-photo post, or a reel's upload session and bytes."""
        if request.state.get("post_id"):
            return
        if request.content.post_type == "reel":
            self._upload_reel(request)
        elif len(request.content.media) > 1:
            self._upload_unpublished_photos(request)

    def finish(self, request: PublishRequest) -> Published:
        state = request.state
        if state.get("post_id"):
            return self._published(state["post_id"], request.access_token)
        if request.content.post_type == "reel":
            return self._publish_reel(request)
        if len(request.content.media) == 1:
            return self._publish_photo(request)
        return self._publish_feed(request, list(state.get("photos", [])))

    # feed / photos -------------------------------------------------------------------------
    def _publish_feed(self, request: PublishRequest, attached: list[str]) -> Published:
        page, content, token = request.profile_external_id, request.content, request.access_token
        if request.state.get("feed_requested"):
            # The earlier call may have gone through: look before posting again.
            found = self._find_recent_post(page, content.caption, token)
            if found:
                request.checkpoint({"post_id": found})
                return self._published(found, token)
        body: dict = {}
        if content.caption:
            body["message"] = content.caption
        if content.link:
            body["link"] = content.link
        if attached:
            body["attached_media"] = [{"media_fbid": photo} for photo in attached]
        request.checkpoint({"feed_requested": True})
        result = self.http.post(f"{GRAPH}/{page}/feed", json=body, headers=bearer(token))
        if not result.get("id"):
            raise missing_field("post id")
        request.checkpoint({"post_id": result["id"]})
        return self._published(result["id"], token)

    def _publish_photo(self, request: PublishRequest) -> Published:
        page, content, token = request.profile_external_id, request.content, request.access_token
        if request.state.get("feed_requested"):
            found = self._find_recent_post(page, content.caption, token)
            if found:
                request.checkpoint({"post_id": found})
                return self._published(found, token)
        request.checkpoint({"feed_requested": True})
        result = self.http.post(
            f"{GRAPH}/{page}/photos",
            data={"url": content.media[0].url, "caption": content.caption, "published": "true"},
            headers=bearer(token),
        )
        post_id = result.get("post_id") or result.get("id")
        if not post_id:
            raise missing_field("post id")
        request.checkpoint({"post_id": post_id})
        return self._published(post_id, token)

    def _upload_unpublished_photos(self, request: PublishRequest) -> list[str]:
        photos = list(request.state.get("photos", []))
        for item in request.content.media[len(photos) :]:
            result = self.http.post(
                f"{GRAPH}/{request.profile_external_id}/photos",
                data={"url": item.url, "published": "false"},
                headers=bearer(request.access_token),
            )
            photos.append(str(result["id"]))
            request.checkpoint({"photos": photos})
        return photos

    def _find_recent_post(self, page: str, message: str, token: str) -> str:
        recent = self.http.get(
            f"{GRAPH}/{page}/feed",
            params={"fields": "id,message,created_time", "limit": 10},
            headers=bearer(token),
        )
        for post in recent.get("data", []):
            if (post.get("message") or "") == (message or ""):
                return str(post["id"])
        return ""

    # reels ----------------------------------------------------------------------------------
    def _upload_reel(self, request: PublishRequest) -> None:
        page, token, state = request.profile_external_id, request.access_token, request.state
        video_id = state.get("video_id")
        if not video_id:
            start = self.http.post(
                f"{GRAPH}/{page}/video_reels",
                json={"upload_phase": "start"},
                headers=bearer(token),
            )
            video_id = str(start["video_id"])
            request.checkpoint({"video_id": video_id})
        if not state.get("uploaded"):
            self.http.post(
                f"{RUPLOAD}/{video_id}",
                headers={
                    "Authorization": f"OAuth {token}",
                    "file_url": request.content.media[0].url,
                },
            )
            request.checkpoint({"uploaded": True})

    def _publish_reel(self, request: PublishRequest) -> Published:
        page, token, state = request.profile_external_id, request.access_token, request.state
        video_id = state["video_id"]
        if not state.get("finished"):
            self.http.post(
                f"{GRAPH}/{page}/video_reels",
                json={
                    "upload_phase": "finish",
                    "video_id": video_id,
                    "video_state": "PUBLISHED",
                    "description": request.content.caption,
                },
                headers=bearer(token),
            )
            request.checkpoint({"finished": True})
        status = self.http.get(
            f"{GRAPH}/{video_id}",
            params={"fields": "status,permalink_url,post_id"},
            headers=bearer(token),
        )
        video_status = (status.get("status") or {}).get("video_status", "")
        if video_status == "error":
            raise PlatformError(
                PERMANENT, "video_error", "Facebook could not process the video.", post_failed=True
            )
        if video_status != "ready" or not status.get("post_id"):
            raise NotReady(POLL_SECONDS, "Facebook is still processing the reel.")
        request.checkpoint({"post_id": str(status["post_id"])})
        return Published(
            platform_post_id=str(status["post_id"]),
            permalink=_absolute(status.get("permalink_url", "")),
            extra={"video_id": video_id},
        )

    def reconcile(self, request: PublishRequest) -> Published | None:
        state = request.state
        if state.get("post_id"):
            return self._published(state["post_id"], request.access_token)
        if request.content.post_type == "reel":
            if state.get("finished"):
                return self.finish(request)  # finishing is done; only the status is left
            return None  # not published until finish is called; finishing again is safe
        if not state.get("feed_requested"):
            return None
        found = self._find_recent_post(
            request.profile_external_id, request.content.caption, request.access_token
        )
        if found:
            request.checkpoint({"post_id": found})
            return self._published(found, request.access_token)
        return None

    def fetch_metrics(self, requests: list[MetricsRequest]) -> list[Metrics]:
        return [self._post_metrics(r) for r in requests]

    def _post_metrics(self, request: MetricsRequest) -> Metrics:
        # One call: counts by field expansion plus the current (non-deprecated) insights.
        try:
            data = self.http.get(
                f"{GRAPH}/{request.platform_post_id}",
                params={
                    "fields": f"shares,comments.summary(true).limit(0),insights.metric({FB_METRICS})"
                },
                headers=bearer(request.access_token),
            )
        except PlatformError as exc:
            return Metrics(key=request.key, error=exc)
        insights = {
            item["name"]: (item.get("values") or [{}])[0].get("value")
            for item in (data.get("insights") or {}).get("data", [])
        }
        reactions = insights.get("post_reactions_by_type_total")
        return Metrics(
            key=request.key,
            reach=insights.get("post_total_media_view_unique"),
            likes=sum(reactions.values()) if isinstance(reactions, dict) else None,
            comments=((data.get("comments") or {}).get("summary") or {}).get("total_count"),
            shares=(data.get("shares") or {}).get("count", 0),  # omitted when none
            clicks=insights.get("post_clicks"),
            raw=data,
        )

    def _published(self, post_id: str, token: str) -> Published:
        try:
            data = self.http.get(
                f"{GRAPH}/{post_id}", params={"fields": "id,permalink_url"}, headers=bearer(token)
            )
        except PlatformError:
            return Published(platform_post_id=post_id)
        return Published(
            platform_post_id=post_id, permalink=_absolute(data.get("permalink_url", ""))
        )


def _absolute(url: str) -> str:
    # Reels answer with a path ("/reel/123"); posts with a full URL.
    return f"https://www.facebook.com{url}" if url.startswith("/") else url

"""Instagram API with Facebook Login: publish to IG professional accounts behind the user's Pages.

Publishing is container → status check → media_publish → permalink (PLATFORMS.md §2.2). Every
intermediate id is checkpointed before the next call, and a container's own status tells whether it
was already published, so a crash or a lost response never leads to a second post.
"""

from channels.http import PERMANENT, RATE_LIMITED, PlatformError
from channels.limits import MB, PlatformLimits, TypeLimits
from channels.providers.base import (
    ALL_METRIC_WINDOWS,
    Metrics,
    MetricsRequest,
    NotReady,
    ProfileInfo,
    Provider,
    Published,
    PublishRequest,
)
from channels.providers.meta import GRAPH, MetaProvider, bearer, missing_field, paginate

# Meta: poll about once a minute; images are usually ready at once, video takes longer.
POLL_SECONDS = 60
FEED_METRICS = "reach,likes,comments,saved,shares,views,total_interactions"
STORY_METRICS = "reach,views,shares,total_interactions"
QUOTA_WAIT_SECONDS = 24 * 3600  # the quota is a rolling 24 h window
MEDIA_TYPE = {"reel": "REELS", "story": "STORIES", "carousel": "CAROUSEL"}

_IMAGE = dict(image_mime=frozenset({"image/jpeg"}), image_max_bytes=8 * MB)
# PLATFORMS.md §2.3: reel and story video is H.264 or HEVC at 23–60 fps.
_VIDEO = dict(video_codecs=frozenset({"h264", "hevc"}), video_fps_min=23, video_fps_max=60)
# PLATFORMS.md §2.2–2.3: caption 2200 / 30 hashtags / 20 mentions; JPEG ≤ 8 MB, feed 4:5–1.91:1;
# reels 3 s–15 min ≤ 300 MB; story video 3–60 s ≤ 100 MB; carousel 2–10 items.
LIMITS = PlatformLimits(
    caption_max=2200,
    hashtags_max=30,
    mentions_max=20,
    post_types={
        "feed": TypeLimits(1, 1, frozenset({"image"}), aspect_min=0.8, aspect_max=1.91, **_IMAGE),
        "carousel": TypeLimits(
            2,
            10,
            frozenset({"image", "video"}),
            aspect_min=0.8,
            aspect_max=1.91,
            video_max_bytes=300 * MB,
            video_min_s=3,
            video_max_s=900,
            **_IMAGE,
            **_VIDEO,
        ),
        "reel": TypeLimits(
            1,
            1,
            frozenset({"video"}),
            aspect_min=0.01,
            aspect_max=10,
            video_max_bytes=300 * MB,
            video_min_s=3,
            video_max_s=900,
            **_VIDEO,
        ),
        "story": TypeLimits(
            1,
            1,
            frozenset({"image", "video"}),
            caption_allowed=False,
            video_max_bytes=100 * MB,
            video_min_s=3,
            video_max_s=60,
            **_IMAGE,
            **_VIDEO,
        ),
    },
)


def _alt_text(item) -> dict[str, str]:
    """PLATFORMS.md §2.2: `alt_text` on image containers only, at most 1000 characters."""
    if item.kind != "image" or not item.alt_text:
        return {}
    return {"alt_text": item.alt_text[:1000]}


class InstagramProvider(MetaProvider, Provider):
    slug = "instagram"
    name = "Instagram"
    limits = LIMITS
    # content_publishing_limit quota_total ("currently 50"; read again before each post).
    daily_cap = 50
    # Late morning and mid afternoon (Sprout Social / Hootsuite 2025, rounded to the hour).
    windows = {"weekday": ("11:00", "15:00", "19:00"), "weekend": ("10:00", "14:00", "19:00")}
    # The feed shows about 125 characters before "…more"; feed media as 4:5, reels/stories 9:16.
    preview_fold = 125
    preview_aspects = {"feed": 0.8, "carousel": 0.8, "reel": 9 / 16, "story": 9 / 16}
    scopes = [
        "instagram_basic",
        "instagram_content_publish",
        "instagram_manage_insights",
        "pages_show_list",
        "pages_read_engagement",
        "business_management",
        "instagram_manage_comments",  # the first comment
    ]
    comment_text_field = "text"
    comment_fields = "id,text,username"

    def is_own_comment(self, comment: dict, request: PublishRequest) -> bool:
        username = comment.get("username")
        return not username or not request.profile_username or username == request.profile_username

    @classmethod
    def metric_windows(cls, post_type: str) -> tuple[str, ...]:
        # Story insights exist for 24 hours only (PLATFORMS.md §2.5).
        return ("1h", "24h") if post_type == "story" else ALL_METRIC_WINDOWS

    def list_profiles(self, *, access_token: str) -> list[ProfileInfo]:
        pages = paginate(
            self.http,
            f"{GRAPH}/me/accounts",
            token=access_token,
            params={"fields": "id,name,instagram_business_account", "limit": 100},
        )
        profiles = []
        for page in pages:
            ig = page.get("instagram_business_account")
            if not ig or not ig.get("id"):
                continue  # a Page without a linked IG professional account
            info = self.http.get(
                f"{GRAPH}/{ig['id']}",
                params={"fields": "username,name,profile_picture_url"},
                headers=bearer(access_token),
            )
            profiles.append(
                ProfileInfo(
                    external_id=str(ig["id"]),
                    name=info.get("name") or info.get("username") or page.get("name", ""),
                    username=info.get("username", ""),
                    picture_url=info.get("profile_picture_url", ""),
                    extra={"page_id": str(page["id"]), "page_name": page.get("name", "")},
                )
            )
        return profiles

    # Publishing -----------------------------------------------------------------------------

    def prepare(self, request: PublishRequest) -> None:
        """Quota, carousel children, the container, and waiting until Instagram finished
        processing it: everything but media_publish, each id checkpointed."""
        state, token = request.state, request.access_token
        if state.get("media_id"):
            return
        if not state.get("children") and not state.get("container_id"):
            self._check_quota(request)  # before anything is uploaded
        children: list[str] = []
        if request.content.post_type == "carousel":
            children = self._carousel_children(request)
            self._require_finished(children, token)
        container = state.get("container_id")
        if not container:
            container = self._create_container(request, children)
            request.checkpoint({"container_id": container})

        status = self._container_status(container, token)
        if status == "PUBLISHED":
            # media_publish went through earlier but its answer was lost: find the media.
            request.checkpoint({"media_id": self._find_published_media(request)})
        elif status == "IN_PROGRESS":
            raise NotReady(POLL_SECONDS)

    def finish(self, request: PublishRequest) -> Published:
        state, token = request.state, request.access_token
        if state.get("media_id"):
            return self._published(state["media_id"], token)
        request.checkpoint({"publish_requested": True})
        result = self.http.post(
            f"{GRAPH}/{request.profile_external_id}/media_publish",
            data={"creation_id": state["container_id"]},
            headers=bearer(token),
        )
        media_id = str(result.get("id") or "")
        if not media_id:
            raise missing_field("media id")
        request.checkpoint({"media_id": media_id})
        return self._published(media_id, token)

    def reconcile(self, request: PublishRequest) -> Published | None:
        state, token = request.state, request.access_token
        if state.get("media_id"):
            return self._published(state["media_id"], token)
        container = state.get("container_id")
        if not container:
            return None  # nothing was published; an orphan container simply expires
        if self._container_status(container, token) == "PUBLISHED":
            media_id = self._find_published_media(request)
            request.checkpoint({"media_id": media_id})
            return self._published(media_id, token)
        return None  # FINISHED or IN_PROGRESS: media_publish never went through

    def _check_quota(self, request: PublishRequest) -> None:
        """Read content_publishing_limit first: a spent budget waits a day instead of failing."""
        data = self.http.get(
            f"{GRAPH}/{request.profile_external_id}/content_publishing_limit",
            params={"fields": "quota_usage,config"},
            headers=bearer(request.access_token),
        )
        entry = (data.get("data") or [{}])[0]
        used = entry.get("quota_usage") or 0
        total = (entry.get("config") or {}).get("quota_total")
        if total is not None and used >= total:
            raise PlatformError(
                RATE_LIMITED,
                "publishing_limit",
                f"Instagram's publishing limit for this account is spent ({used}/{total} in 24 h); "
                "trying again tomorrow.",
                retry_after=QUOTA_WAIT_SECONDS,
            )

    def _create_container(self, request: PublishRequest, children: list[str]) -> str:
        content = request.content
        params: dict[str, str] = {}
        post_type = content.post_type
        if post_type == "carousel":
            params.update(media_type="CAROUSEL", children=",".join(children))
        else:
            item = content.media[0]
            params["video_url" if item.kind == "video" else "image_url"] = item.url
            params.update(_alt_text(item))
            if post_type in MEDIA_TYPE:
                params["media_type"] = MEDIA_TYPE[post_type]
            if post_type == "reel":
                params["share_to_feed"] = "true"
        if post_type != "story" and content.caption:
            params["caption"] = content.caption
        result = self.http.post(
            f"{GRAPH}/{request.profile_external_id}/media",
            data=params,
            headers=bearer(request.access_token),
        )
        if not result.get("id"):
            raise missing_field("container id")
        return str(result["id"])

    def _carousel_children(self, request: PublishRequest) -> list[str]:
        children = list(request.state.get("children", []))
        for item in request.content.media[len(children) :]:
            params = {"is_carousel_item": "true"}
            if item.kind == "video":
                params.update(media_type="VIDEO", video_url=item.url)
            else:
                params["image_url"] = item.url
                params.update(_alt_text(item))
            result = self.http.post(
                f"{GRAPH}/{request.profile_external_id}/media",
                data=params,
                headers=bearer(request.access_token),
            )
            children.append(str(result["id"]))
            request.checkpoint({"children": children})
        return children

    def _container_status(self, container: str, token: str) -> str:
        data = self.http.get(
            f"{GRAPH}/{container}", params={"fields": "status_code,status"}, headers=bearer(token)
        )
        status = data.get("status_code", "")
        if status == "ERROR":
            raise PlatformError(
                PERMANENT,
                f"container_error/{data.get('status') or 'unknown'}",
                f"Instagram could not process the media ({data.get('status') or 'no detail'}).",
                post_failed=True,
            )
        if status == "EXPIRED":
            raise PlatformError(
                PERMANENT,
                "container_expired",
                "The media container expired before publishing (24 h); retry to upload again.",
                post_failed=True,
            )
        return status

    def _require_finished(self, containers: list[str], token: str) -> None:
        for container in containers:
            if self._container_status(container, token) == "IN_PROGRESS":
                raise NotReady(POLL_SECONDS)

    def _find_published_media(self, request: PublishRequest) -> str:
        recent = self.http.get(
            f"{GRAPH}/{request.profile_external_id}/media",
            params={"fields": "id,caption,timestamp", "limit": 25},
            headers=bearer(request.access_token),
        )
        for media in recent.get("data", []):
            if (media.get("caption") or "") == (request.content.caption or ""):
                return str(media["id"])
        raise PlatformError(
            PERMANENT,
            "unconfirmed",
            "Instagram reports the container as published but the post was not found; "
            "check the profile, then tell us whether it was posted.",
            maybe_delivered=True,  # it may well be out: a person checks
        )

    def fetch_metrics(self, requests: list[MetricsRequest]) -> list[Metrics]:
        return [self._media_metrics(r) for r in requests]

    def _media_metrics(self, request: MetricsRequest) -> Metrics:
        metric = STORY_METRICS if request.post_type == "story" else FEED_METRICS
        try:
            data = self.http.get(
                f"{GRAPH}/{request.platform_post_id}/insights",
                params={"metric": metric},
                headers=bearer(request.access_token),
            )
        except PlatformError as exc:
            return Metrics(key=request.key, error=exc)
        # Missing data comes back as an empty list, not zeros (PLATFORMS.md §2.5).
        values = {
            item["name"]: (item.get("values") or [{}])[0].get("value")
            for item in data.get("data", [])
        }
        return Metrics(
            key=request.key,
            reach=values.get("reach"),
            views=values.get("views"),
            likes=values.get("likes"),
            comments=values.get("comments"),
            shares=values.get("shares"),
            saves=values.get("saved"),
            raw=data,
        )

    def _published(self, media_id: str, token: str) -> Published:
        try:
            data = self.http.get(
                f"{GRAPH}/{media_id}",
                params={"fields": "id,permalink,media_product_type,timestamp"},
                headers=bearer(token),
            )
        except PlatformError:
            # The post is live; a missing permalink must not turn a success into a failure.
            return Published(platform_post_id=media_id)
        return Published(
            platform_post_id=media_id,
            permalink=data.get("permalink", ""),
            extra={"media_product_type": data.get("media_product_type", "")},
        )

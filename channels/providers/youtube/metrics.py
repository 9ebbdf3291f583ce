"""YouTube metrics (PLATFORMS.md §7.5): videos.list statistics for up to 50 videos per call
(counted against the project's units), plus YouTube Analytics views and watch time where the
person granted its scope."""

from django.utils import timezone

from channels.http import PERMANENT, PlatformError
from channels.providers.base import Metrics, MetricsRequest
from channels.providers.youtube import quota
from channels.providers.youtube.quota import UNITS

API = "https://www.googleapis.com/youtube/v3"
ANALYTICS = "https://youtubeanalytics.googleapis.com/v2/reports"


class YouTubeMetrics:
    """Mixed into the provider: uses its `http` and `project`."""

    metrics_batch_size = 50  # videos.list takes up to 50 ids

    def fetch_metrics(self, requests: list[MetricsRequest]) -> list[Metrics]:
        ids = [r.platform_post_id for r in requests]
        token = requests[0].access_token
        quota.spend(self.project, UNITS, quota.COST["videos.list"], "reading statistics")
        body = self.http.get(
            f"{API}/videos", params={"part": "statistics", "id": ",".join(ids)},
            headers=_bearer(token),
        )  # fmt: skip
        found = {str(v["id"]): v.get("statistics") or {} for v in body.get("items") or []}
        watched = self._watch_time(ids, token)
        results = []
        for request in requests:
            stats = found.get(request.platform_post_id)
            if stats is None:
                results.append(Metrics(key=request.key, error=PlatformError(
                    PERMANENT, "not_found", "YouTube does not list this video any more (deleted "
                    "or made private by its owner).",
                )))  # fmt: skip
                continue
            raw = {**stats, **watched.get(request.platform_post_id, {})}
            results.append(Metrics(
                key=request.key, views=_count(stats.get("viewCount")),
                likes=_count(stats.get("likeCount")),
                comments=_count(stats.get("commentCount")), raw=raw,
            ))  # fmt: skip
        return results

    def _watch_time(self, ids: list[str], token: str) -> dict[str, dict]:
        """YouTube Analytics views and minutes watched per video, where the person granted its
        scope; without it (or on any failure) the statistics alone are kept."""
        try:
            body = self.http.get(ANALYTICS, params={
                "ids": "channel==MINE", "startDate": "2005-02-14",
                "endDate": timezone.now().date().isoformat(), "dimensions": "video",
                "metrics": "views,estimatedMinutesWatched,averageViewDuration",
                "filters": "video==" + ",".join(ids),
            }, headers=_bearer(token))  # fmt: skip
        except PlatformError:
            return {}
        names = [h.get("name") for h in body.get("columnHeaders") or []]
        out = {}
        for row in body.get("rows") or []:
            values = dict(zip(names, row, strict=False))
            video = str(values.pop("video", ""))
            out[video] = {
                "analytics_views": values.get("views"),
                "watch_minutes": values.get("estimatedMinutesWatched"),
                "average_view_seconds": values.get("averageViewDuration"),
            }
        return out


def _count(value) -> int | None:
    """Statistics arrive as strings ("1234"); absent (hidden likes) stays None."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}

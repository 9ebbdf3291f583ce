"""LinkedIn post metrics (PLATFORMS.md §5.5), batched where the API allows.

Company Page posts: organizationalEntityShareStatistics (one call per page for all its posts) for
impressions, reach, clicks and shares. Every post: socialActions in one batch call for likes and
comments. Member posts with `r_member_postAnalytics` granted: memberCreatorPostAnalytics totals
(impressions, members reached, reshares).
"""

from collections import defaultdict

from channels.http import TRANSIENT, PlatformError, PlatformHTTP
from channels.providers.base import Metrics, MetricsRequest
from channels.providers.linkedin.api import MEMBER_ANALYTICS_SCOPE, REST, enc, is_org, rest_headers

MEMBER_QUERIES = {"IMPRESSION": "views", "MEMBERS_REACHED": "reach", "RESHARE": "shares"}


def linkedin_metrics(http: PlatformHTTP, requests: list[MetricsRequest]) -> list[Metrics]:
    headers = rest_headers(requests[0].access_token)
    social = _social_actions(http, [r.platform_post_id for r in requests], headers)

    by_org: dict[str, list[str]] = defaultdict(list)
    for request in requests:
        if is_org(request.profile_external_id):
            by_org[request.profile_external_id].append(request.platform_post_id)
    org_stats: dict[str, dict] = {}
    org_errors: dict[str, PlatformError] = {}
    for org, posts in by_org.items():
        lists = []
        for key, prefix in (("shares", "urn:li:share:"), ("ugcPosts", "urn:li:ugcPost:")):
            mine = [p for p in posts if p.startswith(prefix)]
            if mine:
                lists.append(f"{key}=List({','.join(enc(p) for p in mine)})")
        try:
            page = http.get(
                f"{REST}/organizationalEntityShareStatistics?q=organizationalEntity"
                f"&organizationalEntity={enc(org)}&{'&'.join(lists)}",
                headers=headers,
            )
        except PlatformError as exc:
            if exc.http_status in (400, 403, 404):  # no statistics scope or role: counts stand
                continue
            for post in posts:
                org_errors[post] = exc
            continue
        for element in page.get("elements") or []:
            post = element.get("share") or element.get("ugcPost") or ""
            org_stats[post] = element.get("totalShareStatistics") or {}

    results = []
    for request in requests:
        urn = request.platform_post_id
        actions = social.get(urn) or {}
        likes = (actions.get("likesSummary") or {}).get("totalLikes")
        comments = (actions.get("commentsSummary") or {}).get("aggregatedTotalComments")
        if urn in org_errors:
            results.append(Metrics(key=request.key, error=org_errors[urn]))
            continue
        if not actions and urn not in org_stats:
            results.append(Metrics(key=request.key, error=PlatformError(
                TRANSIENT, "not_found", "LinkedIn returned no counts for this post (yet).",
            )))  # fmt: skip
            continue
        metrics = Metrics(key=request.key, likes=likes, comments=comments,
                          raw={"socialActions": actions})  # fmt: skip
        if urn in org_stats:
            stats = org_stats[urn]
            metrics.views = stats.get("impressionCount")
            metrics.reach = stats.get("uniqueImpressionsCount")
            metrics.clicks = stats.get("clickCount")
            metrics.shares = stats.get("shareCount")
            metrics.likes = stats.get("likeCount", likes)
            metrics.comments = stats.get("commentCount", comments)
            metrics.raw["shareStatistics"] = stats
        elif MEMBER_ANALYTICS_SCOPE in request.scopes and not is_org(request.profile_external_id):
            try:
                _member_totals(http, metrics, urn, headers)
            except PlatformError as exc:
                metrics.raw["memberAnalyticsError"] = exc.code  # socialActions counts stand
        results.append(metrics)
    return results


def _social_actions(http: PlatformHTTP, urns: list[str], headers: dict) -> dict[str, dict]:
    """Likes and comments per post: one batch call; where the batch finder is refused, each
    post on its own (the documented single read)."""
    try:
        page = http.get(
            f"{REST}/socialActions?ids=List({','.join(enc(u) for u in urns)})", headers=headers
        )
        return page.get("results") or {}
    except PlatformError as exc:
        if exc.http_status not in (400, 404, 405):
            raise
    found: dict[str, dict] = {}
    for urn in urns:
        try:
            found[urn] = http.get(f"{REST}/socialActions/{enc(urn)}", headers=headers)
        except PlatformError as exc:
            if exc.http_status != 404:
                raise
    return found


def _member_totals(http: PlatformHTTP, metrics: Metrics, urn: str, headers: dict) -> None:
    kind = "ugc" if urn.startswith("urn:li:ugcPost:") else "share"
    for query, field in MEMBER_QUERIES.items():
        page = http.get(
            f"{REST}/memberCreatorPostAnalytics?q=entity&entity=({kind}:{enc(urn)})"
            f"&queryType={query}&aggregation=TOTAL",
            headers=headers,
        )
        elements = page.get("elements") or []
        if elements:
            setattr(metrics, field, int(elements[0].get("count") or 0))
            metrics.raw[query] = elements[0]

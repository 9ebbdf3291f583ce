"""UTM tags on every http(s) link of a caption or link field, added at publish time."""

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# A URL runs to the next space; trailing sentence punctuation is not part of it.
URL = re.compile(r"https?://[^\s<>\"']+")
TRAILING = ".,;:!?)]}'\""


def tag_url(url: str, params: dict[str, str]) -> str:
    """Add the UTM params a URL lacks; any utm_* already present is kept as it is."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return url
    query = parse_qsl(parts.query, keep_blank_values=True)
    present = {key for key, _ in query}
    query += [(key, value) for key, value in params.items() if value and key not in present]
    return urlunsplit(parts._replace(query=urlencode(query, safe="/:@,")))


def tag_text(text: str, params: dict[str, str]) -> str:
    def replace(match: re.Match) -> str:
        url = match.group(0)
        stripped = url.rstrip(TRAILING)
        return tag_url(stripped, params) + url[len(stripped) :]

    return URL.sub(replace, text) if text else text


def utm_params(*, platform: str, campaign: str, target_id: int) -> dict[str, str]:
    return {
        "utm_source": platform,
        "utm_medium": "social",
        "utm_campaign": campaign,
        "utm_content": str(target_id),
    }

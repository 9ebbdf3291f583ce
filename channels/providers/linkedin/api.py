"""LinkedIn's hosts, headers and URN helpers shared by the provider and its metrics."""

import os
import re
from urllib.parse import quote

from django.conf import settings

from channels.http import PERMANENT, PlatformError

OAUTH = "https://www.linkedin.com/oauth/v2"
API = "https://api.linkedin.com"
REST = f"{API}/rest"
# A version LinkedIn serves (they sunset about a year after release); LINKEDIN_VERSION overrides.
DEFAULT_VERSION = "202610"
VERSION_SETTING = "LINKEDIN_VERSION"
ORG_PREFIX = "urn:li:organization:"
MEMBER_ANALYTICS_SCOPE = "r_member_postAnalytics"


def linkedin_version() -> str:
    """The `LinkedIn-Version` header: settings.LINKEDIN_VERSION, else the LINKEDIN_VERSION
    environment variable, else DEFAULT_VERSION. A malformed value fails loudly."""
    value = getattr(settings, VERSION_SETTING, None) or os.environ.get(VERSION_SETTING, "")
    value = str(value).strip() or DEFAULT_VERSION
    if not re.fullmatch(r"20\d{4}(\.\d{2})?", value):
        raise PlatformError(
            PERMANENT,
            "linkedin_version_invalid",
            f"{VERSION_SETTING} is {value!r}; set it to a LinkedIn API version such as "
            f"{DEFAULT_VERSION} (YYYYMM).",
        )
    return value


def rest_headers(token: str) -> dict[str, str]:
    """Every /rest call: the token, the pinned version and Rest.li protocol 2.0.0 (§5.1)."""
    return {
        "Authorization": f"Bearer {token}",
        "LinkedIn-Version": linkedin_version(),
        "X-Restli-Protocol-Version": "2.0.0",
    }


def enc(urn: str) -> str:
    """URNs in paths and queries are URL-encoded (§5.1)."""
    return quote(urn, safe="")


def is_org(urn: str) -> bool:
    return urn.startswith(ORG_PREFIX)

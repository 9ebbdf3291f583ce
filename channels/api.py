from django.core.exceptions import ValidationError
from ninja import Body, Router, Schema, Status

from channels.providers import PROVIDERS
from channels.selectors import profiles_for_account
from channels.services import CHANNEL_MANAGERS, ChannelError, credentials_connect, oauth_start
from socialdist.api_types import errors

router = Router(tags=["channels"])


class ProfileOut(Schema):
    id: int
    platform: str
    name: str
    status: str


class AuthorizeOut(Schema):
    authorize_url: str


class ConnectionOut(Schema):
    connection_id: int
    profiles: list[ProfileOut]


@router.get("/profiles", response={200: list[ProfileOut], **errors()})
def list_profiles(request):
    return list(profiles_for_account(account=request.account))


@router.post("/connections/{platform}/authorize", response={200: AuthorizeOut, **errors(403, 404)})
def authorize(request, platform: str):
    """Start a connection; the returned URL finishes in any browser, logged in or not."""
    refused = _refuse_connect(request, platform, auth="oauth2")
    if refused:
        return refused
    try:
        url = oauth_start(account=request.account, platform=platform)
    except ChannelError as exc:
        return Status(400, {"detail": str(exc)})
    return Status(200, {"authorize_url": url})


@router.post(
    "/connections/{platform}/credentials",
    response={200: ConnectionOut, **errors(400, 403, 404)},
)
def connect_with_credentials(request, platform: str, values: Body[dict[str, str]]):
    """Connect a credentials platform (a blog) with the fields its provider declares (e.g.
    `{site_url, username, application_password}` or `{admin_url, admin_api_key}`): they
    are verified with a real call; a 400's `detail` carries the platform's own reason."""
    refused = _refuse_connect(request, platform, auth="credentials")
    if refused:
        return refused
    try:
        connection, profiles = credentials_connect(
            account=request.account, platform=platform, values=values
        )
    except ValidationError as exc:
        return Status(400, {"detail": exc.message_dict})
    except ChannelError as exc:
        return Status(400, {"detail": str(exc)})
    return Status(200, {"connection_id": connection.pk, "profiles": profiles})


def _refuse_connect(request, platform: str, *, auth: str):
    cls = PROVIDERS.get(platform)
    if cls is None or cls.auth != auth:
        usable = ", ".join(slug for slug, c in PROVIDERS.items() if c.auth == auth) or "none yet"
        return Status(
            404, {"detail": f"No platform {platform!r} connects this way; use: {usable}."}
        )
    if request.auth.role not in CHANNEL_MANAGERS:
        return Status(403, {"detail": "Reviewer tokens cannot connect channels; use a marketer "
                                      "or admin token from create_api_token."})  # fmt: skip
    return None

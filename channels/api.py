from ninja import Router, Schema, Status

from channels.providers import PROVIDERS
from channels.selectors import profiles_for_account
from channels.services import CHANNEL_MANAGERS, ChannelError, oauth_start
from socialdist.api_types import errors

router = Router(tags=["channels"])


class ProfileOut(Schema):
    id: int
    platform: str
    name: str
    status: str


class AuthorizeOut(Schema):
    authorize_url: str


@router.get("/profiles", response={200: list[ProfileOut], **errors()})
def list_profiles(request):
    return list(profiles_for_account(account=request.account))


@router.post("/connections/{platform}/authorize", response={200: AuthorizeOut, **errors(403, 404)})
def authorize(request, platform: str):
    """Start a connection; the returned URL finishes in any browser, logged in or not."""
    if platform not in PROVIDERS:
        return Status(
            404, {"detail": f"Unknown platform {platform!r}; use one of {', '.join(PROVIDERS)}."}
        )
    if request.auth.role not in CHANNEL_MANAGERS:
        return Status(403, {"detail": "Reviewer tokens cannot connect channels; use a marketer "
                                      "or admin token from create_api_token."})  # fmt: skip
    try:
        url = oauth_start(account=request.account, platform=platform)
    except ChannelError as exc:
        return Status(400, {"detail": str(exc)})
    return Status(200, {"authorize_url": url})

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import account_member_required
from channels.providers import PROVIDERS, get_provider
from channels.services import ChannelError, oauth_complete, oauth_start


@require_POST
@account_member_required
def connect(request, account, platform: str):
    if platform not in PROVIDERS:
        raise Http404("Unknown platform.")
    try:
        url = oauth_start(account=account, platform=platform, user=request.user)
    except ChannelError as exc:
        messages.error(request, str(exc))
        return redirect("accounts:home", account.slug)
    return redirect(url)


@require_GET
def callback(request, platform: str):
    """Completes from the stored state alone, so it works logged in or not."""
    if platform not in PROVIDERS:
        raise Http404("Unknown platform.")
    name = get_provider(platform).name
    try:
        connection, profiles = oauth_complete(
            platform=platform,
            state=request.GET.get("state", ""),
            code=request.GET.get("code", ""),
            error=request.GET.get("error", ""),
            user=request.user if request.user.is_authenticated else None,
        )
    except ChannelError as exc:
        return render(
            request, "channels/callback_error.html", {"message": str(exc), "name": name}, status=400
        )
    if not profiles:
        note = (
            f"Connected, but no {name} account was found. Link one to a Facebook Page you manage."
        )
    else:
        note = f"Connected {name}: " + ", ".join(p.name for p in profiles) + "."
    if request.user.is_authenticated:
        messages.success(request, note)
        return redirect("accounts:home", connection.account.slug)
    return render(request, "channels/callback_done.html", {"message": note, "name": name})

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import account_member_required
from accounts.permissions import Can, role_may
from channels.forms import TikTokSettingsForm
from channels.providers import PROVIDERS, get_provider
from channels.selectors import connections_for_account, profiles_for_account
from channels.services import (
    CHANNEL_MANAGERS,
    ChannelError,
    connection_disconnect,
    meta_deauthorize,
    oauth_complete,
    oauth_start,
    profile_tiktok_settings_save,
)


@account_member_required
def channel_list(request, account):
    connections = connections_for_account(account=account)
    return render(
        request,
        "channels/list.html",
        {
            "account": account,
            "connections": connections,
            "platforms": [(slug, cls.name) for slug, cls in PROVIDERS.items()],
            "can_manage": request.role in CHANNEL_MANAGERS,
            "tiktok_settings": [
                (p, TikTokSettingsForm.for_profile(p))
                for c in connections
                if c.platform == "tiktok"
                for p in c.profiles.all()
            ],
        },
    )


@require_POST
@account_member_required
def tiktok_settings(request, account, profile_id: int):
    """A TikTok profile's Direct Post defaults: privacy level and interaction switches."""
    profile = profiles_for_account(account=account).filter(pk=profile_id, platform="tiktok").first()
    if profile is None:
        raise Http404("No such TikTok profile in this account.")
    if not role_may(request.role, Can.MANAGE_CHANNELS):
        return HttpResponseForbidden(
            "Reviewers cannot change posting settings; ask an admin or marketer."
        )
    form = TikTokSettingsForm.for_profile(profile, data=request.POST)
    if not form.is_valid():
        for name, errors in form.errors.items():
            messages.error(request, f"{form.fields[name].label}: {' '.join(errors)}")
        return redirect("channels:list", account.slug)
    try:
        profile_tiktok_settings_save(profile=profile, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Saved the TikTok posting settings for {profile.name}.")
    return redirect("channels:list", account.slug)


@require_POST
@account_member_required
def disconnect(request, account, connection_id: int):
    connection = connections_for_account(account=account).filter(pk=connection_id).first()
    if connection is None:
        raise Http404("No such channel.")
    if request.role not in CHANNEL_MANAGERS:
        return HttpResponseForbidden("Reviewers cannot disconnect channels.")
    changed = connection_disconnect(
        connection=connection, reason=f"Disconnected by {request.user.email}."
    )
    names = ", ".join(str(c) for c in changed) or str(connection)
    messages.success(
        request, f"Disconnected {names}. Its scheduled posts wait until you reconnect."
    )
    return redirect("channels:list", account.slug)


@csrf_exempt  # Meta posts here server to server; the signed_request is the proof
@require_POST
def meta_deauthorize_callback(request):
    try:
        changed = meta_deauthorize(signed_request=request.POST.get("signed_request", ""))
    except ChannelError as exc:
        return JsonResponse({"detail": str(exc)}, status=400)
    return JsonResponse({"success": True, "disconnected": len(changed)})


@require_POST
@account_member_required
def connect(request, account, platform: str):
    if platform not in PROVIDERS:
        raise Http404("Unknown platform.")
    if request.role not in CHANNEL_MANAGERS:
        return HttpResponseForbidden("Reviewers cannot connect channels; ask an admin or marketer.")
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

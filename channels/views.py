from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import account_member_required
from accounts.permissions import Can, role_may
from channels.forms import CredentialsForm, ProfileOptionsForm
from channels.http import PlatformError
from channels.providers import PROVIDERS, get_provider, provider_class
from channels.selectors import connect_buttons, connections_for_account, profiles_for_account
from channels.services import (
    CHANNEL_MANAGERS,
    ChannelError,
    connection_disconnect,
    connection_profiles_refresh,
    credentials_connect,
    deauthorize,
    oauth_complete,
    oauth_start,
    profile_options_save,
)


@account_member_required
def channel_list(request, account):
    return _channel_page(request, account)


def _channel_page(request, account, credentials_forms: dict | None = None, status: int = 200):
    connections = connections_for_account(account=account)
    credentials_forms = credentials_forms or {}
    return render(
        request,
        "channels/list.html",
        {
            "account": account,
            "connections": connections,
            "oauth_platforms": connect_buttons(),
            "credentials_forms": [
                credentials_forms.get(slug) or CredentialsForm(provider=cls)
                for slug, cls in PROVIDERS.items()
                if cls.auth == "credentials"
            ],
            "credentials_platforms": [s for s, c in PROVIDERS.items() if c.auth == "credentials"],
            "can_manage": request.role in CHANNEL_MANAGERS,
            "profile_options": [
                (
                    p,
                    provider_class(c.platform),
                    ProfileOptionsForm(profile=p, provider=provider_class(c.platform)),
                )
                for c in connections
                if any(spec.profile_default for spec in provider_class(c.platform).options)
                for p in c.profiles.all()
            ],  # fmt: skip
        },
        status=status,
    )


@require_POST
@account_member_required
def profile_options(request, account, profile_id: int):
    """A profile's posting defaults for the options its platform declares (a privacy level,
    interaction switches)."""
    profile = profiles_for_account(account=account).filter(pk=profile_id).first()
    if profile is None:
        raise Http404("No such profile in this account.")
    provider = provider_class(profile.platform)
    if not role_may(request.role, Can.MANAGE_CHANNELS):
        return HttpResponseForbidden(
            "Reviewers cannot change posting settings; ask an admin or marketer."
        )
    form = ProfileOptionsForm(data=request.POST, profile=profile, provider=provider)
    if not form.is_valid():
        for name, errors in form.errors.items():
            messages.error(request, f"{form.fields[name].label}: {' '.join(errors)}")
        return redirect("channels:list", account.slug)
    try:
        profile_options_save(profile=profile, values=form.option_values())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Saved the {provider.name} posting settings for {profile.name}.")
    return redirect("channels:list", account.slug)


@require_POST
@account_member_required
def profiles_refresh(request, account, connection_id: int):
    """Read a connection's profiles again (names, and lists such as an account's
    boards) without reconnecting."""
    connection = connections_for_account(account=account).filter(pk=connection_id).first()
    if connection is None:
        raise Http404("No such channel.")
    if request.role not in CHANNEL_MANAGERS:
        return HttpResponseForbidden("Reviewers cannot refresh channels.")
    provider = get_provider(connection.platform)
    try:
        refreshed = connection_profiles_refresh(connection=connection)
    except PlatformError as exc:
        messages.error(request, f"{provider.name} could not list the profiles: {exc.message}")
    else:
        names = ", ".join(p.name for p in refreshed) or "no profile"
        messages.success(request, f"Read {names} again from {provider.name}.")
    return redirect("channels:list", account.slug)


@require_POST
@account_member_required
def connect_credentials(request, account, platform: str):
    """Connect a credentials platform (a blog) from its declared fields."""
    cls = provider_class(platform)
    if cls is None or cls.auth != "credentials":
        raise Http404("Unknown platform.")
    if request.role not in CHANNEL_MANAGERS:
        return HttpResponseForbidden("Reviewers cannot connect channels; ask an admin or marketer.")
    form = CredentialsForm(request.POST, provider=cls)
    if form.is_valid():
        try:
            _, profiles = credentials_connect(
                account=account, platform=platform, values=form.cleaned_data, user=request.user
            )
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        except ChannelError as exc:
            form.add_error(None, str(exc))
        else:
            names = ", ".join(p.name for p in profiles) or "no sites found"
            messages.success(request, f"Connected {cls.name}: {names}.")
            return redirect("channels:list", account.slug)
    return _channel_page(request, account, credentials_forms={platform: form}, status=400)


@require_http_methods(["GET", "POST"])
@account_member_required
def disconnect(request, account, connection_id: int):
    """GET (or a POST without `confirmed=1`): what disconnecting does; the page's form acts."""
    connection = connections_for_account(account=account).filter(pk=connection_id).first()
    if connection is None:
        raise Http404("No such channel.")
    if request.role not in CHANNEL_MANAGERS:
        return HttpResponseForbidden("Reviewers cannot disconnect channels.")
    if request.method == "GET" or request.POST.get("confirmed") != "1":
        return render(
            request,
            "channels/disconnect_confirm.html",
            {"account": account, "connection": connection},
        )
    changed = connection_disconnect(
        connection=connection, reason=f"Disconnected by {request.user.email}."
    )
    names = ", ".join(str(c) for c in changed) or str(connection)
    messages.success(
        request, f"Disconnected {names}. Its scheduled posts wait until you reconnect."
    )
    return redirect("channels:list", account.slug)


@csrf_exempt  # the platform posts here server to server; its signature is the proof
@require_POST
def deauthorize_callback(request, platform: str):
    try:
        changed = deauthorize(platform=platform, data=request.POST.dict())
    except LookupError:
        raise Http404("This platform has no deauthorize callback.") from None
    except ChannelError as exc:
        return JsonResponse({"detail": str(exc)}, status=400)
    return JsonResponse({"success": True, "disconnected": len(changed)})


@require_POST
@account_member_required
def connect(request, account, platform: str):
    if platform not in PROVIDERS or PROVIDERS[platform].auth != "oauth2":
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
    provider = get_provider(platform)
    name = provider.name
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
        note = f"Connected, but no {name} account was found. {provider.no_profiles_hint}".strip()
    else:
        note = f"Connected {name}: " + ", ".join(p.name for p in profiles) + "."
    if request.user.is_authenticated:
        messages.success(request, note)
        return redirect("accounts:home", connection.account.slug)
    return render(request, "channels/callback_done.html", {"message": note, "name": name})

"""The account dashboard and settings pages: project wiring, since they gather every app.

They keep the `accounts:` URL names (`urls` below is included under that namespace).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods

from accounts.decorators import account_member_required
from accounts.models import Role
from accounts.selectors import (
    account_for_user,
    accounts_for_user,
    external_reviewers_for,
    timezone_names,
)
from accounts.services import (
    account_set_publishing,
    account_utm_save,
    approval_settings_save,
)
from channels.selectors import connect_buttons, connections_for_account, profiles_for_account
from publishing.approval import reviewers_for
from publishing.events import webhook_create
from publishing.models import EventType
from publishing.selectors import (
    posts_for_account,
    targets_waiting_manual,
    webhook_for_account,
    webhooks_for_account,
)
from scheduling.services import schedule_timezone_save


@login_required
def home(request):
    wanted = request.GET.get("a", "")  # the account switcher without JavaScript
    if wanted and account_for_user(user=request.user, slug=wanted) is not None:
        return redirect("accounts:home", wanted)
    accounts = list(accounts_for_user(user=request.user))
    if len(accounts) == 1:
        return redirect("accounts:home", accounts[0].slug)
    return render(request, "accounts/choose.html", {"accounts": accounts})


@account_member_required
def account_home(request, account):
    return render(
        request,
        "accounts/home.html",
        {
            "account": account,
            "connections": connections_for_account(account=account),
            "profiles": profiles_for_account(account=account),
            "posts": posts_for_account(account=account)[:25],
            "manual_count": targets_waiting_manual(account=account).count(),
            "platforms": connect_buttons(),
            "is_admin": request.role == Role.ADMIN,
        },
    )


def _new_webhook_key(account) -> str:
    # The new endpoint's id (never its secret) waits in the server-side session for one page view.
    return f"new_webhook:{account.pk}"


@account_member_required
@require_http_methods(["GET", "POST"])
def account_settings(request, account):
    is_admin = request.role == Role.ADMIN
    if request.method == "POST":
        if not is_admin:
            return HttpResponseForbidden("Only account admins can change these settings.")
        if request.POST.get("action") == "add_webhook":
            return _add_webhook(request, account)
        if request.POST.get("action") == "approval":
            return _save_approval(request, account)
        if request.POST.get("action") == "timezone":
            return _save_timezone(request, account)
        if request.POST.get("action") == "utm":
            account_utm_save(
                account=account,
                enabled=request.POST.get("utm_enabled") == "on",
                campaign=request.POST.get("utm_campaign", ""),
            )
            messages.success(request, "Link tracking saved.")
            return redirect("accounts:settings", account.slug)
        enabled = request.POST.get("publishing_enabled") == "on"
        account_set_publishing(account=account, user=request.user, enabled=enabled)
        messages.success(
            request, f"Social publishing is {'on' if enabled else 'off'} for {account.name}."
        )
        return redirect("accounts:settings", account.slug)
    new_webhook_id = request.session.pop(_new_webhook_key(account), None)
    new_webhook = (
        webhook_for_account(account=account, webhook_id=new_webhook_id) if new_webhook_id else None
    )
    response = render(
        request,
        "accounts/settings.html",
        {
            "account": account,
            "is_admin": is_admin,
            "new_webhook": new_webhook,
            "webhooks": webhooks_for_account(account=account),
            "external_reviewers": external_reviewers_for(account=account),
            "reviewers": reviewers_for(account),
            "event_types": EventType.values,
            "timezone_names": timezone_names(),
            "timezone_error": request.session.pop(_timezone_error_key(account), None),
        },
    )
    if new_webhook:
        add_never_cache_headers(response)  # the page with the secret must not be kept anywhere
    return response


def _add_webhook(request, account):
    try:
        endpoint = webhook_create(
            account=account,
            url=request.POST.get("url", "").strip(),
            events=request.POST.getlist("events"),
        )
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        # Messages may travel in a cookie (FallbackStorage): the secret never goes in one.
        request.session[_new_webhook_key(account)] = endpoint.pk
        messages.success(request, "Webhook added. Copy its signing secret below now.")
    return redirect("accounts:settings", account.slug)


def _timezone_error_key(account) -> str:
    return f"timezone_error:{account.pk}"


def _save_timezone(request, account):
    try:
        name = schedule_timezone_save(account=account, name=request.POST.get("timezone", ""))
    except ValueError as exc:
        messages.error(request, f"{account.name}'s time zone was not changed. {exc}")
        # Shown beside the field too, with what was typed kept for correcting.
        request.session[_timezone_error_key(account)] = {
            "message": str(exc),
            "value": request.POST.get("timezone", "")[:64],
        }
    else:
        messages.success(request, f"{account.name}'s times are now shown and planned in {name}.")
    return redirect("accounts:settings", account.slug)


def _save_approval(request, account):
    try:
        approval_settings_save(
            account=account,
            required=request.POST.get("approval_required") == "on",
            digest=request.POST.get("approval_digest", ""),
            hour=request.POST.get("approval_digest_hour", ""),
            link_days=request.POST.get("approval_link_days", ""),
            add_reviewer=request.POST.get("add_reviewer", ""),
            remove_reviewers=request.POST.getlist("remove_reviewer"),
        )
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Approval settings saved.")
    return redirect("accounts:settings", account.slug)


urls = (
    [
        path("", home, name="index"),
        path("a/<slug:slug>/", account_home, name="home"),
        path("a/<slug:slug>/settings/", account_settings, name="settings"),
    ],
    "accounts",
)

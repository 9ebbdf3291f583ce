"""The media library page: browse (every member), upload / alt text / delete (marketers, admins)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts.decorators import account_member_required
from accounts.permissions import Can, role_may
from library.forms import AltTextForm, FilterForm, UploadForm
from library.media import media_signed_path
from library.selectors import asset_for_account, assets_for_account
from library.services import (
    AssetInUse,
    asset_delete,
    asset_delete_refusal,
    asset_update_alt,
    asset_upload,
)
from library.uploads import upload_errors
from socialdist.validators import parse_id

PAGE_SIZE = 48
MAY_NOT = "Only marketers and admins can change the media library."


def _wants_json(request) -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def _card(asset) -> dict:
    preview = asset.thumbnail or asset.poster
    return {
        "asset": asset,
        "thumbnail_url": media_signed_path(preview.name) if preview else "",
        "original_url": media_signed_path(asset.file.name),
    }


@account_member_required
@require_http_methods(["GET", "POST"])
def library(request, account):
    may_manage = role_may(request.role, Can.MANAGE_MEDIA)
    form = UploadForm()
    if request.method == "POST":
        if not may_manage:
            return HttpResponseForbidden(MAY_NOT)
        form = UploadForm(request.POST, request.FILES)
        for error in upload_errors(request):
            form.add_error("files", error)  # a file stopped mid-stream for its size
        if form.is_valid():
            saved = 0
            for upload in form.cleaned_data["files"]:
                try:
                    asset_upload(
                        account=account,
                        upload=upload,
                        user=request.user,
                        alt_text=form.cleaned_data["alt_text"],
                    )
                    saved += 1
                except ValidationError as exc:
                    for errors in exc.message_dict.values():
                        form.add_error("files", errors)
            if saved:
                messages.success(request, f"{saved} file{'s' if saved > 1 else ''} added.")
            if form.is_valid():  # every file went in
                url = reverse("library:library", args=[account.slug])
                if _wants_json(request):
                    return JsonResponse({"redirect": url})
                return redirect(url)
        if _wants_json(request):
            return JsonResponse({"errors": form.errors.get("files", [])}, status=400)
    filters = FilterForm(request.GET or None)
    kind = query = ""
    if filters.is_valid():
        kind, query = filters.cleaned_data["kind"], filters.cleaned_data["q"]
    page = Paginator(
        assets_for_account(account=account, kind=kind, query=query), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "library/library.html",
        {
            "account": account,
            "form": form,
            "filters": filters,
            "page": page,
            "cards": [_card(a) for a in page],
            "may_manage": may_manage,
            "query": urlencode({k: v for k, v in {"kind": kind, "q": query}.items() if v}),
        },
        status=400 if form.errors else 200,
    )


@account_member_required
@require_http_methods(["GET", "POST"])
def asset_detail(request, account, asset_id: int):
    """One asset: its probed facts, alt text form (POST saves it)."""
    asset = asset_for_account(account=account, asset_id=parse_id(asset_id))
    if asset is None:
        raise Http404("No such media in this account.")
    may_manage = role_may(request.role, Can.MANAGE_MEDIA)
    form = AltTextForm(initial={"alt_text": asset.alt_text})
    if request.method == "POST":
        if not may_manage:
            return HttpResponseForbidden(MAY_NOT)
        form = AltTextForm(request.POST)
        if form.is_valid():
            try:
                asset_update_alt(asset=asset, alt_text=form.cleaned_data["alt_text"])
            except ValidationError as exc:
                form.add_error("alt_text", exc.message_dict.get("alt_text", exc.messages))
            else:
                messages.success(request, "Alt text saved.")
                return redirect("library:detail", account.slug, asset.pk)
    return render(
        request,
        "library/asset_detail.html",
        {"account": account, "card": _card(asset), "form": form, "may_manage": may_manage},
        status=400 if form.errors else 200,
    )


@account_member_required
@require_http_methods(["GET", "POST"])
def asset_delete_view(request, account, asset_id: int):
    """GET asks to confirm (or says why it cannot be deleted); POST deletes."""
    asset = asset_for_account(account=account, asset_id=parse_id(asset_id))
    if asset is None:
        raise Http404("No such media in this account.")
    if not role_may(request.role, Can.MANAGE_MEDIA):
        return HttpResponseForbidden(MAY_NOT)
    refusal = asset_delete_refusal(asset=asset)
    if request.method == "POST" and not refusal:
        try:
            asset_delete(asset=asset)
        except AssetInUse as exc:  # a post took it meanwhile
            refusal = " ".join(exc.messages)
        else:
            messages.success(request, f"{asset} deleted.")
            return redirect("library:library", account.slug)
    return render(
        request,
        "library/asset_delete.html",
        {"account": account, "card": _card(asset), "refusal": refusal},
        status=409 if refusal and request.method == "POST" else 200,
    )

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.decorators import account_member_required
from publishing.forms import PostForm
from publishing.selectors import post_for_account
from publishing.services import Actor, MediaInput, post_create


@account_member_required
@require_http_methods(["GET", "POST"])
def post_new(request, account):
    if not account.publishing_enabled:
        messages.error(request, "Social publishing is off; an account admin can switch it on.")
        return redirect("accounts:home", account.slug)
    form = PostForm(request.POST or None, request.FILES or None, account=account)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        media = [MediaInput(kind="image", upload=data["image"])] if data.get("image") else []
        try:
            post = post_create(
                account=account,
                actor=Actor(user=request.user),
                caption=data["caption"],
                post_type=data["post_type"],
                media=media,
                profile_ids=[p.pk for p in data["profiles"]],
                scheduled_at=data["scheduled_at"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Post saved.")
            return redirect("publishing:detail", account.slug, post.pk)
    return render(request, "publishing/post_form.html", {"account": account, "form": form})


@account_member_required
def post_detail(request, account, post_id: int):
    post = post_for_account(account=account, post_id=post_id)
    if post is None:
        raise Http404("No such post.")
    return render(
        request,
        "publishing/post_detail.html",
        {"account": account, "post": post, "audit": post.audit.select_related("actor")},
    )

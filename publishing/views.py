from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import account_member_required
from publishing.forms import PostForm
from publishing.models import PublishAttempt
from publishing.selectors import (
    post_for_account,
    scheduler_health,
    target_for_account,
    targets_waiting_manual,
)
from publishing.services import (
    Actor,
    InvalidTransition,
    MediaInput,
    post_create,
    target_mark_posted,
)


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
        {
            "account": account,
            "post": post,
            "audit": post.audit.select_related("actor"),
            "attempts": PublishAttempt.objects.filter(target__post=post).order_by("-started_at"),
        },
    )


@account_member_required
def manual_queue(request, account):
    """Targets due to be posted by hand, oldest first."""
    return render(
        request,
        "publishing/manual_queue.html",
        {"account": account, "targets": targets_waiting_manual(account=account)},
    )


@require_POST
@account_member_required
def target_mark_posted_view(request, account, target_id: int):
    target = target_for_account(account=account, target_id=target_id)
    if target is None:
        raise Http404("No such target.")
    try:
        target_mark_posted(
            target=target,
            actor=Actor(user=request.user),
            permalink=request.POST.get("permalink", ""),
        )
    except ValidationError:
        messages.error(request, "permalink: paste the post's https:// link, or leave it empty.")
    except InvalidTransition as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Marked as posted on {target.profile.name}.")
    if request.POST.get("from") == "queue":
        return redirect("publishing:manual", account.slug)
    return redirect("publishing:detail", account.slug, target.post_id)


@require_GET
def healthz(request):
    """For monitors: 200 when the dispatcher runs and keeps up, 503 otherwise. No tenant data."""
    health = scheduler_health()
    return JsonResponse(
        {
            "status": "ok" if health.healthy else "degraded",
            "dispatcher_last_seen": health.heartbeat_at,
            "dispatcher_age_seconds": health.heartbeat_age_s,
            "overdue_targets": health.overdue_count,
            "oldest_overdue_seconds": health.oldest_overdue_s,
            "problems": health.problems,
        },
        status=200 if health.healthy else 503,
    )

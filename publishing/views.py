from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import account_member_required
from publishing.approval import (
    DECIDERS,
    LinkProblem,
    awaiting_since,
    post_comment_add,
    post_reject,
    review_link_act,
    review_link_resolve,
    reviewers_for,
)
from publishing.forms import PostForm
from publishing.models import PublishAttempt
from publishing.selectors import (
    post_for_account,
    posts_for_account,
    scheduler_health,
    target_for_account,
    targets_waiting_manual,
)
from publishing.services import (
    Actor,
    InvalidTransition,
    MediaInput,
    post_approve,
    post_create,
    post_submit,
    target_mark_posted,
)

BULK_LIMIT = 50


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
            "comments": post.comments.all(),
            "awaiting_since": awaiting_since(post) if post.status == "awaiting_approval" else None,
            "reviewers": reviewers_for(account) if post.status == "awaiting_approval" else [],
            "may_decide": request.role in DECIDERS,
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


@require_http_methods(["GET", "POST"])
def review(request, token: str):
    """A reviewer's email link: works logged out; GET shows, only POST acts (scanners prefetch)."""
    try:
        link = review_link_resolve(token)
    except LinkProblem as exc:
        return render(request, "publishing/review.html", {"problem": str(exc)}, status=410)
    post = link.post
    context = {"post": post, "comments": post.comments.all()}
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            review_link_act(token=token, action=action, comment=request.POST.get("comment", ""))
        except LinkProblem as exc:
            return render(request, "publishing/review.html", {"problem": str(exc)}, status=410)
        except ValueError as exc:
            return render(
                request, "publishing/review.html", {**context, "error": str(exc)}, status=400
            )
        done = (
            "The post is approved and will be scheduled."
            if action == "approve"
            else "The post went back to its author with your comment."
        )
        return render(request, "publishing/review.html", {"done": done})
    return render(request, "publishing/review.html", context)


@account_member_required
@require_http_methods(["GET", "POST"])
def approvals(request, account):
    """Posts awaiting approval, who they wait on and since when; bulk approve for reviewers."""
    may_decide = request.role in DECIDERS
    if request.method == "POST":
        if not may_decide:
            return HttpResponseForbidden("Only reviewers and admins can approve.")
        ids = [int(i) for i in request.POST.getlist("post") if i.isdigit()][: BULK_LIMIT + 1]
        if len(ids) > BULK_LIMIT:
            messages.error(request, f"Approve at most {BULK_LIMIT} posts at once.")
            return redirect("publishing:approvals", account.slug)
        approved = 0
        for post in posts_for_account(account=account, status="awaiting_approval").filter(
            pk__in=ids
        ):
            try:
                post_approve(
                    post=post, actor=Actor(user=request.user, label=f"{request.user.email} in app")
                )
                approved += 1
            except InvalidTransition:
                continue
        messages.success(request, f"Approved {approved} post{'s' if approved != 1 else ''}.")
        return redirect("publishing:approvals", account.slug)
    waiting = list(posts_for_account(account=account, status="awaiting_approval"))
    reviewers = ", ".join(r.email for r in reviewers_for(account))
    rows = [{"post": p, "since": awaiting_since(p)} for p in waiting]
    return render(
        request,
        "publishing/approvals.html",
        {"account": account, "rows": rows, "reviewers": reviewers, "may_decide": may_decide},
    )


@require_POST
@account_member_required
def post_action(request, account, post_id: int, action: str):
    """Submit, reject (with a comment) or comment on a post from its page."""
    post = post_for_account(account=account, post_id=post_id)
    if post is None:
        raise Http404("No such post.")
    actor = Actor(user=request.user, label=f"{request.user.email} in app")
    try:
        if action == "submit":
            post_submit(post=post, actor=actor)
            messages.success(request, "Submitted.")
        elif action == "comment":
            post_comment_add(post=post, actor=actor, body=request.POST.get("body", ""))
        elif action in ("approve", "reject"):
            if request.role not in DECIDERS:
                return HttpResponseForbidden("Only reviewers and admins decide on posts.")
            if action == "approve":
                post_approve(post=post, actor=actor)
                messages.success(request, "Approved.")
            else:
                post_reject(post=post, actor=actor, comment=request.POST.get("comment", ""))
                messages.success(request, "Sent back to draft with your comment.")
        else:
            raise Http404("Unknown action.")
    except (InvalidTransition, ValueError) as exc:
        messages.error(request, str(exc))
    return redirect("publishing:detail", account.slug, post.pk)

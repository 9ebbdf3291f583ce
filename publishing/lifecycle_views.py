"""The post page's lifecycle actions: duplicate, delete (with a confirmation page), restore."""

from django.contrib import messages
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import account_member_required
from accounts.permissions import Can, role_may
from publishing.articles import post_release_article_wait
from publishing.lifecycle import post_delete, post_delete_refusal, post_duplicate, target_restore
from publishing.selectors import post_for_account, target_for_account
from publishing.services import Actor, InvalidTransition


def _post_or_404(account, post_id: int):
    post = post_for_account(account=account, post_id=post_id)
    if post is None:
        raise Http404("No such post.")
    return post


def _actor(request) -> Actor:
    return Actor(user=request.user, label=f"{request.user.email} in app")


@require_POST
@account_member_required
def post_duplicate_view(request, account, post_id: int):
    """A new draft with the same content, media and profiles; opens it."""
    post = _post_or_404(account, post_id)
    if not role_may(request.role, Can.COMPOSE):
        return HttpResponseForbidden("Your role cannot compose posts.")
    copy = post_duplicate(post=post, actor=_actor(request))
    messages.success(
        request, f"Post {copy.pk} is a draft copy of post {post.pk}; edit and submit it."
    )
    return redirect("publishing:detail", account.slug, copy.pk)


@require_http_methods(["GET", "POST"])
@account_member_required
def post_delete_view(request, account, post_id: int):
    """GET: what will be removed and when it was due; POST (the form on that page) deletes."""
    post = _post_or_404(account, post_id)
    if not role_may(request.role, Can.MANAGE_POSTS):
        return HttpResponseForbidden("Reviewers cannot delete posts.")
    refusal = post_delete_refusal(post)
    if request.method == "POST" and not refusal:
        try:
            post_delete(post=post, actor=_actor(request))
        except InvalidTransition as exc:
            refusal = str(exc)
        else:
            messages.success(request, f"Post {post_id} was deleted.")
            return redirect("publishing:queue", account.slug)
    return render(
        request,
        "publishing/post_delete_confirm.html",
        {
            "account": account,
            "post": post,
            "targets": list(post.targets.select_related("profile")),
            "media_count": post.media.count(),
            "refusal": refusal,
        },
        status=409 if refusal else 200,
    )


@require_POST
@account_member_required
def target_restore_view(request, account, target_id: int):
    """A cancelled target goes back to pending (and then to the next free slot)."""
    target = target_for_account(account=account, target_id=target_id)
    if target is None:
        raise Http404("No such target.")
    if not role_may(request.role, Can.MANAGE_POSTS):
        return HttpResponseForbidden("Reviewers cannot restore cancelled posts.")
    try:
        target_restore(target=target, actor=_actor(request))
    except InvalidTransition as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Restored on {target.profile.name}; it waits for its next slot.")
    return redirect("publishing:detail", account.slug, target.post_id)


@require_POST
@account_member_required
def post_release_article_view(request, account, post_id: int):
    """The social posts waiting for the post's blog article go without it."""
    post = _post_or_404(account, post_id)
    if not role_may(request.role, Can.MANAGE_POSTS):
        return HttpResponseForbidden("Reviewers cannot change when posts go out.")
    try:
        released = post_release_article_wait(post=post, actor=_actor(request))
    except InvalidTransition as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"{released} social post{'s' if released != 1 else ''} no longer wait for the "
            "article: each goes at its own time, with the article's link where it is live by "
            "then, else without it.",
        )
    return redirect("publishing:detail", account.slug, post.pk)

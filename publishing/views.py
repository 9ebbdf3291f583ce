from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseForbidden, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import account_member_required
from accounts.permissions import Can, role_may
from channels.forms import options_from_form
from channels.providers import PROVIDERS
from library.services import asset_upload
from publishing.approval import (
    DECIDERS,
    LinkProblem,
    awaiting_since,
    awaiting_since_many,
    post_comment_add,
    post_edit,
    post_reject,
    posts_approve_many,
    review_link_act,
    review_link_resolve,
    reviewers_for,
)
from publishing.articles import article_display
from publishing.editing import PostChanges, post_update
from publishing.filters import TargetFilter
from publishing.forms import EditForm, PostForm, RescheduleForm
from publishing.lifecycle import post_delete_refusal, post_lock_reason
from publishing.media import MEDIA_TYPES, media_signature_valid
from publishing.selectors import (
    media_for_path,
    post_attempts,
    post_audit,
    post_comments,
    post_for_account,
    post_prefetch_snapshots,
    posts_for_account,
    scheduler_health,
    target_for_account,
    targets_for_queue,
    targets_waiting_manual,
)
from publishing.services import (
    Actor,
    InvalidTransition,
    MediaInput,
    caption_problems,
    composer_rows,
    post_approve,
    post_create,
    post_submit,
)
from publishing.targets import (
    BULK_ACTIONS,
    target_mark_posted,
    target_settle_unconfirmed,
    targets_bulk_act,
)
from publishing.uploads import upload_errors
from publishing.versions import versions_display
from socialdist.validators import parse_id, parse_ids

BULK_LIMIT = 50


@account_member_required
@require_http_methods(["GET", "POST"])
def post_new(request, account):
    if not account.publishing_enabled:
        messages.error(request, "Social publishing is off; an account admin can switch it on.")
        return redirect("accounts:home", account.slug)
    initial = {}
    if parse_id(request.GET.get("profile")):  # "fill this free slot" from the calendar
        initial["profiles"] = [parse_id(request.GET["profile"])]
    if request.GET.get("at"):
        initial.update(when="time", scheduled_at=request.GET["at"])
    form = PostForm(request.POST or None, request.FILES or None, account=account, initial=initial)
    for error in upload_errors(request) if request.method == "POST" else []:
        form.add_error("media", error)  # a file stopped mid-stream for its size
    if request.method == "POST" and request.POST.get("move"):
        _move_media(form, request.POST["move"])
        form.errors.clear()  # reordering is not a save: no errors to show yet
    elif request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "library_media": form.ordered_library_media()}
        uploaded: list = []  # filled as each upload goes into the media library
        try:
            media = _composer_media(request, account, data, uploaded)
            post = post_create(
                account=account,
                actor=Actor(user=request.user),
                caption=data["caption"],
                title=data["title"],
                link=data["link"],
                post_type=data["post_type"],
                bucket=data["bucket"],
                media=media,
                profile_ids=[p.pk for p in data["profiles"]],
                scheduled_at=data["scheduled_at"] if data["when"] == "time" else None,
                submit=data["when"] != "draft",
                options=form.post_options(),
                first_comment=data["first_comment"],
                versions=form.versions(),
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(form.error_field(field), errors)
            _keep_uploads_ticked(form, data, uploaded)
        else:
            messages.success(request, _saved_message(post))
            return redirect("publishing:detail", account.slug, post.pk)
    return render(
        request,
        "publishing/post_form.html",
        {"account": account, "form": form, "check": _composer_check(account, form.data or None)},
    )


def _composer_media(request, account, data, uploaded: list) -> list[MediaInput]:
    """Uploads go to the media library first (kinds and facts come from the bytes), so a post
    refused afterwards never loses a file. Library picks come first, then the new uploads."""
    refused = []
    for upload in data["media"]:
        try:
            uploaded.append(asset_upload(account=account, upload=upload, user=request.user))
        except ValidationError as exc:
            refused.extend(exc.messages)
    if refused:
        raise ValidationError({"media": refused})
    return [MediaInput(asset=a) for a in [*data["library_media"], *uploaded]]


def _move_media(form, move: str) -> None:
    """Without JavaScript, "Move up/down" posts the form: reorder the chosen items, save nothing."""
    asset_id, _, direction = move.partition(":")
    order = form.chosen_media_ids()
    asset_id = parse_id(asset_id)
    if asset_id not in order or direction not in ("up", "down"):
        return
    i = order.index(asset_id)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(order):
        order[i], order[j] = order[j], order[i]
    form.data = form.data.copy()
    form.data.setlist("library_media", [str(n) for n in order])


def _keep_uploads_ticked(form, data, uploaded: list) -> None:
    """After a refusal, this upload's files are ticked in the library list for the next try."""
    if not uploaded:
        return
    form.data = form.data.copy()
    form.data.setlist("library_media", [str(a.pk) for a in [*data["library_media"], *uploaded]])
    form.add_error(
        "library_media",
        "Your uploads are kept in the media library and ticked here: no need to upload them again.",
    )


def _saved_message(post) -> str:
    if post.status == "draft":
        return "Draft saved."
    if post.status == "awaiting_approval":
        return "Sent to the reviewers."
    return "Scheduled."


def _composer_check(account, data) -> list[dict]:
    """Per platform: the character count against its limit, problems, and a preview."""
    if not data:
        return []
    return composer_rows(
        account=account,
        caption=data.get("caption", ""),
        post_type=data.get("post_type", "feed"),
        title=data.get("title", ""),
        profile_ids=parse_ids(data.getlist("profiles")),
        media_ids=parse_ids(data.getlist("library_media")),
        overrides={
            slug: {field: data.get(f"{slug}_{field}", "") for field in ("caption", "title",
                                                                        "post_type", "media")}
            for slug in PROVIDERS
            if data.get(f"{slug}_customise")
        },
        options={slug: options_from_form(cls, data) for slug, cls in PROVIDERS.items()},
    )  # fmt: skip


@account_member_required
@require_http_methods(["GET", "POST"])
def post_compose_edit(request, account, post_id: int):
    """Edit everything of a post nobody can see yet: content, media and their order, profiles,
    each network's version and options — in the composer, checked as a new post would be."""
    post = post_for_account(account=account, post_id=post_id)
    if post is None:
        raise Http404("No such post.")
    locked = post_lock_reason(post)
    if locked:  # what is live keeps its content: a changed version is a duplicate
        messages.error(request, locked)
        return redirect("publishing:detail", account.slug, post.pk)
    form = PostForm(request.POST or None, request.FILES or None, account=account, post=post)
    if request.method == "POST" and request.POST.get("move"):
        _move_media(form, request.POST["move"])
        form.errors.clear()
    elif request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "library_media": form.ordered_library_media()}
        uploaded: list = []
        try:
            media = _composer_media(request, account, data, uploaded)
            chosen = {p.pk for p in data["profiles"]}
            # A single profile's version (set through the API) stays while its profile does.
            kept = {v.key: _version_input(v) for v in post.versions.all()
                    if v.profile_id in chosen}  # fmt: skip
            post_update(post=post, actor=Actor(user=request.user), changes=PostChanges(
                caption=data["caption"], title=data["title"], first_comment=data["first_comment"],
                post_type=data["post_type"], bucket=data["bucket"], link=data["link"], media=media,
                profile_ids=[p.pk for p in data["profiles"]], options=form.post_options(),
                versions={**kept, **form.versions()},
            ))  # fmt: skip
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(form.error_field(field), errors)
            _keep_uploads_ticked(form, data, uploaded)
        except InvalidTransition as exc:  # a target went live meanwhile
            messages.error(request, str(exc))
            return redirect("publishing:detail", account.slug, post.pk)
        else:
            post.refresh_from_db()
            messages.success(request, "Saved; it went back to the reviewers."
                             if post.status == "awaiting_approval" else "Saved.")  # fmt: skip
            return redirect("publishing:detail", account.slug, post.pk)
    return render(request, "publishing/post_form.html", {
        "account": account, "form": form, "post": post,
        "check": _composer_check(account, form.data if form.is_bound else _initial_data(form)),
    })  # fmt: skip


def _version_input(version) -> dict:
    fields = {"caption": version.caption, "title": version.title,
              "post_type": version.post_type or None, "media": version.media,
              "first_comment": version.first_comment, "options": version.options or None}  # fmt: skip
    return {k: v for k, v in fields.items() if v is not None}


def _initial_data(form) -> QueryDict:
    """The live check's input for an unsaved look at an existing post."""
    data = QueryDict(mutable=True)
    for name, value in form.initial.items():
        if isinstance(value, list):
            data.setlist(name, [str(v) for v in value])
        elif value not in (None, False):
            data[name] = "on" if value is True else str(value)
    return data


@account_member_required
@require_POST
def composer_upload(request, account):
    """HTMX: files chosen in the composer go to the media library at once (with a progress bar)
    and come back as chosen rows, so nothing is lost if the post is refused later."""
    rows, refused = [], []
    for upload in request.FILES.getlist("media"):
        try:
            asset = asset_upload(account=account, upload=upload, user=request.user)
        except ValidationError as exc:
            refused.extend(exc.messages)
            continue
        rows.append({"asset": asset, "checked": True, "thumb": asset.preview_path})
    refused += upload_errors(request)
    return render(
        request,
        "publishing/_media_choices.html",
        {"choices": rows, "refused": refused},
        status=200 if rows or not refused else 400,
    )


@account_member_required
@require_POST
def composer_check(request, account):
    """HTMX: live counts and problems while typing (media are checked on save)."""
    return render(
        request,
        "publishing/_composer_check.html",
        {"check": _composer_check(account, request.POST)},
    )


@account_member_required
@require_http_methods(["GET", "POST"])
def post_edit_view(request, account, post_id: int):
    post = post_for_account(account=account, post_id=post_id)
    if post is None:
        raise Http404("No such post.")
    locked = post_lock_reason(post)
    if locked:  # what is live keeps its caption: a changed version is a duplicate
        messages.error(request, locked)
        return redirect("publishing:detail", account.slug, post.pk)
    form = EditForm(request.POST or None, initial={"caption": post.caption})
    if request.method == "POST" and form.is_valid():
        caption = form.cleaned_data["caption"]
        problems = caption_problems(post=post, caption=caption)
        if problems:
            for problem in problems:
                form.add_error("caption", problem.message)
        else:
            try:
                post_edit(post=post, actor=Actor(user=request.user, label=f"{request.user.email} in app"),
                          caption=caption)  # fmt: skip
            except InvalidTransition as exc:  # e.g. a target went live meanwhile
                messages.error(request, str(exc))
                return redirect("publishing:detail", account.slug, post.pk)
            messages.success(
                request,
                "Saved; it went back to the reviewers."
                if post.status == "awaiting_approval"
                else "Saved.",
            )
            return redirect("publishing:detail", account.slug, post.pk)
    return render(
        request, "publishing/post_edit.html", {"account": account, "post": post, "form": form}
    )


@account_member_required
def post_detail(request, account, post_id: int):
    post = post_for_account(account=account, post_id=post_id)
    if post is None:
        raise Http404("No such post.")
    post_prefetch_snapshots(post=post)
    return render(
        request,
        "publishing/post_detail.html",
        {
            "account": account,
            "post": post,
            "audit": post_audit(post=post),
            "attempts": post_attempts(post=post),
            "comments": post_comments(post=post),
            "versions": versions_display(post),
            "awaiting_since": awaiting_since(post) if post.status == "awaiting_approval" else None,
            "reviewers": reviewers_for(account) if post.status == "awaiting_approval" else [],
            "may_decide": request.role in DECIDERS,
            "may_manage": role_may(request.role, Can.MANAGE_POSTS),
            "may_compose": role_may(request.role, Can.COMPOSE),
            "lock_reason": post_lock_reason(post),
            "delete_refusal": post_delete_refusal(post),
            "article": article_display(post),
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


def _target_or_404(request, account, target_id: int):
    """This account's target, or a 404 (outsiders never learn it exists)."""
    target = target_for_account(account=account, target_id=target_id)
    if target is None:
        raise Http404("No such target.")
    return target


@require_POST
@account_member_required
def target_mark_posted_view(request, account, target_id: int):
    target = _target_or_404(request, account, target_id)
    if not role_may(request.role, Can.MANAGE_POSTS):
        return HttpResponseForbidden("Reviewers cannot mark posts as posted.")
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


@require_POST
@account_member_required
def target_settle_view(request, account, target_id: int):
    """An `unconfirmed` target: the person checked the profile and says whether it went out."""
    target = _target_or_404(request, account, target_id)
    if not role_may(request.role, Can.MANAGE_POSTS):
        return HttpResponseForbidden("Reviewers cannot settle whether a post went out.")
    posted = request.POST.get("posted")
    if posted not in ("yes", "no"):
        messages.error(request, 'Choose "It was posted" or "It was not posted".')
        return redirect("publishing:detail", account.slug, target.post_id)
    where = f"{target.profile.get_platform_display()} ({target.profile.name})"
    try:
        target_settle_unconfirmed(
            target=target,
            actor=Actor(user=request.user),
            posted=posted == "yes",
            permalink=request.POST.get("permalink", ""),
        )
    except ValidationError:
        messages.error(request, "permalink: paste the post's https:// link, or leave it empty.")
    except InvalidTransition as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"Recorded as posted on {where}; nothing was sent again."
            if posted == "yes"
            else f"Publishing it on {where} now.",
        )
    return redirect("publishing:detail", account.slug, target.post_id)


# Served media is inert: its sniffed type only, never sniffed again by the browser, no script, and
# shown inline only because every accepted type is an image or a video.
MEDIA_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cross-Origin-Resource-Policy": "cross-origin",
    "Cache-Control": "private, max-age=3600",
}


@require_GET
def media_serve(request, path: str):
    """An uploaded file, only through a signed, unexpired URL (platforms fetch these)."""
    media = media_for_path(path)
    if media is None or not media_signature_valid(
        path, expires=request.GET.get("e", ""), signature=request.GET.get("s", "")
    ):
        raise Http404("No such media, or the link has expired.")
    try:
        handle = media.file.open("rb")
    except FileNotFoundError:
        raise Http404("No such media.") from None
    mime = media.mime_type if media.mime_type in MEDIA_TYPES else "application/octet-stream"
    response = FileResponse(handle, content_type=mime)
    for header, value in MEDIA_HEADERS.items():
        response[header] = value
    extension = MEDIA_TYPES.get(mime)
    response["Content-Disposition"] = (
        f'inline; filename="media{extension}"' if extension else 'attachment; filename="media.bin"'
    )
    return response


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
    # Reached without logging in, so no account page set the zone: the post's account's it is.
    with timezone.override(link.post.account.zone):
        return _review(request, token, link)


def _review(request, token: str, link):
    post = link.post
    context = {
        "post": post,
        "comments": post_comments(post=post),
        "versions": versions_display(post),
    }
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
        ids = parse_ids(request.POST.getlist("post"))[: BULK_LIMIT + 1]
        if len(ids) > BULK_LIMIT:
            messages.error(request, f"Approve at most {BULK_LIMIT} posts at once.")
            return redirect("publishing:approvals", account.slug)
        approved = posts_approve_many(
            account=account,
            actor=Actor(user=request.user, label=f"{request.user.email} in app"),
            post_ids=ids,
        )
        messages.success(request, f"Approved {approved} post{'s' if approved != 1 else ''}.")
        return redirect("publishing:approvals", account.slug)
    waiting = list(posts_for_account(account=account, status="awaiting_approval"))
    reviewers = ", ".join(r.email for r in reviewers_for(account))
    since = awaiting_since_many(post_ids=[p.pk for p in waiting])
    rows = [{"post": p, "since": since.get(p.pk)} for p in waiting]
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


@account_member_required
@require_http_methods(["GET", "POST"])
def queue(request, account):
    """Every target with its status; filters, pages of 50, bulk actions on up to 50."""
    if request.method == "POST":
        return _queue_bulk(request, account)
    targets = targets_for_queue(account=account)
    filters = TargetFilter(request.GET or None, queryset=targets, account=account)
    page = Paginator(filters.qs, BULK_LIMIT).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "publishing/queue.html",
        {
            "account": account,
            "filter": filters,
            "page": page,
            "query": query.urlencode(),
            "limit": BULK_LIMIT,
        },  # fmt: skip
    )


BULK_DONE = {"cancel": "Cancelled", "retry": "Retrying", "reschedule": "Rescheduled"}


def _queue_bulk(request, account):
    if not role_may(request.role, Can.MANAGE_POSTS):
        return HttpResponseForbidden("Reviewers cannot retry, cancel or reschedule posts.")
    ids = parse_ids(request.POST.getlist("target"))
    action = request.POST.get("action", "")
    if parse_id(request.POST.get("retry_one")):  # a failed row's own Retry button
        ids, action = [parse_id(request.POST["retry_one"])], "retry"
    back = redirect(f"{reverse('publishing:queue', args=[account.slug])}?{request.GET.urlencode()}")
    if not ids:
        messages.error(request, "Select at least one post.")
        return back
    if len(ids) > BULK_LIMIT:
        messages.error(
            request, f"Select at most {BULK_LIMIT} posts at once; you selected {len(ids)}."
        )
        return back
    when = None
    if action == "reschedule":
        form = RescheduleForm(request.POST, account=account)
        if not form.is_valid():
            messages.error(request, "To reschedule, give a date and time in the future.")
            return back
        when = form.cleaned_data["when"]
    if action not in BULK_ACTIONS:
        messages.error(request, "Choose cancel, retry or reschedule.")
        return back
    if action == "cancel" and request.POST.get("confirmed") != "1":
        # Destructive: a page that lists what will be cancelled, whose form really cancels.
        targets = targets_for_queue(account=account).filter(pk__in=ids)
        return render(
            request,
            "publishing/queue_cancel_confirm.html",
            {"account": account, "targets": targets, "query": request.GET.urlencode()},
        )
    done, skipped = targets_bulk_act(
        account=account,
        actor=Actor(user=request.user, label=f"{request.user.email} in app"),
        action=action,
        target_ids=ids,
        scheduled_at=when,
    )
    if done:
        posts = f"{done} post{pluralize(done)}"
        messages.success(request, f"{BULK_DONE[action]} {posts}.")
    for sentence in skipped[:5]:
        messages.error(request, sentence)
    if len(skipped) > 5:
        messages.error(request, f"{len(skipped) - 5} more posts were skipped as well.")
    if not done and not skipped:
        messages.error(request, "None of the selected posts is in this account; reload the page.")
    return back

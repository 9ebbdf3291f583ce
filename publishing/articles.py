"""Blog then social: a post's social targets can wait for its article and link to it.

A post that goes to a profile whose platform publishes articles (a blog: its provider's
`publishes_articles()`) and to social profiles can hold the social targets until the article is
live. `{article_url}` in their caption or first comment then becomes the article's permalink
(UTM tags are added at publish time like for any other link, publishing/requests.py).

The switch is `Post.options["wait_for_article"]`: True waits, False does not, absent = waits
when a caption or first comment (the post's or a version's) uses `{article_url}`. "The article"
is the post's first article target (by id). A held target keeps its status (`scheduled` or
`pending`); the dispatcher simply does not claim it (`held_filter`), and the pages say why
(`target_article_wait`). A person can release held targets ("publish without the article"):
`platform_state["article_released"]` then lets them go at their own time, with `{article_url}`
replaced by the article's link if it is live by then, else left out.
"""

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from channels.models import Profile
from channels.providers import PROVIDERS
from publishing.models import Post, PostTarget, PostVersion, TargetStatus
from publishing.transitions import Actor, InvalidTransition, audit_entry, target_transition

T = TargetStatus
PLACEHOLDER = "{article_url}"
OPTION = "wait_for_article"  # a reserved key of Post.options, never sent to a platform
RELEASED = "article_released"  # a held target's platform_state key: a person let it go
# Statuses a dependent target waits in; anything later has gone out or been settled.
HOLDABLE = (T.PENDING, T.SCHEDULED)


def article_platforms() -> list[str]:
    """The registered platforms whose posts are articles (blogs)."""
    return sorted(slug for slug, provider in PROVIDERS.items() if provider.publishes_articles())


def publishes_articles(platform: str) -> bool:
    provider = PROVIDERS.get(platform)
    return provider is not None and provider.publishes_articles()


def _uses_placeholder(post: Post, versions) -> bool:
    """The post's own texts first: its versions are read only when those do not tell."""
    if PLACEHOLDER in (post.caption or "") or PLACEHOLDER in (post.first_comment or ""):
        return True
    return any(
        PLACEHOLDER in (version.caption or "") or PLACEHOLDER in (version.first_comment or "")
        for version in versions
    )


def post_waits_for_article(post: Post, versions, platforms) -> bool:
    """Whether this post's social targets wait for its article: it goes to a blog and to a
    social profile, and the switch is on (or, left unset, a caption uses `{article_url}`)."""
    kinds = {publishes_articles(p) for p in platforms}
    if kinds != {True, False}:
        return False
    switch = (post.options or {}).get(OPTION)
    return bool(switch) if switch is not None else _uses_placeholder(post, versions)


def post_wait_flag(post: Post) -> bool:
    """`post_waits_for_article` for a post with its targets and versions (prefetched)."""
    platforms = {t.profile.platform for t in post.targets.all() if t.status != T.CANCELLED}
    return post_waits_for_article(post, post.versions.all(), platforms)


def article_problems(
    *, post: Post, versions: list[PostVersion], profiles: list[Profile]
) -> dict[str, list[str]]:
    """`{article_url}` needs an article to point at, and its social posts must wait for it."""
    errors: dict[str, list[str]] = {}
    platforms = {p.platform for p in profiles}
    has_article = any(publishes_articles(p) for p in platforms)
    switch = (post.options or {}).get(OPTION)
    fields = [("caption", post.caption), ("first_comment", post.first_comment)]
    for version in versions:
        for name in ("caption", "first_comment"):
            fields.append((f"versions.{version.key}.{name}", getattr(version, name) or ""))
    for field, text in fields:
        if PLACEHOLDER not in (text or ""):
            continue
        if not has_article:
            errors.setdefault(field, []).append(
                f"{PLACEHOLDER} stands for the link to this post's blog article, but the post "
                "goes to no blog: add a blog profile to the post, or remove "
                f"{PLACEHOLDER}."
            )
        elif switch is False and len({publishes_articles(p) for p in platforms}) == 2:
            errors.setdefault(OPTION, []).append(
                f"The social captions use {PLACEHOLDER}, which is only known once the article "
                "is live: let the social posts wait for the article, or remove "
                f"{PLACEHOLDER}."
            )
            break
    return errors


def options_for_platform(options: dict) -> dict:
    """A post's options as a platform receives them: without this feature's switch."""
    return {k: v for k, v in options.items() if k != OPTION}


# The dispatcher's rule, in SQL ------------------------------------------------------------------


def held_filter(targets: QuerySet[PostTarget]) -> QuerySet[PostTarget]:
    """`targets` without the ones waiting for their post's article. NULL-safe: the held ones
    are found by a positive query and excluded by id, so no target is held by accident."""
    platforms = article_platforms()
    if not platforms:
        return targets
    post = OuterRef("post_id")
    first_article = (
        PostTarget.objects.filter(post_id=post, profile__platform__in=platforms)
        .order_by("pk")
        .values("pk")[:1]
    )
    live = PostTarget.objects.filter(pk=Subquery(first_article), status=T.PUBLISHED).exclude(
        permalink=""
    )
    version_uses = PostVersion.objects.filter(post_id=post).filter(
        Q(caption__contains=PLACEHOLDER) | Q(first_comment__contains=PLACEHOLDER)
    )
    uses = (
        Q(post__caption__contains=PLACEHOLDER)
        | Q(post__first_comment__contains=PLACEHOLDER)
        | Exists(version_uses)
    )
    switched_on = Q(**{f"post__options__{OPTION}": True}) | (
        ~Q(**{"post__options__has_key": OPTION}) & uses
    )
    held = (
        targets.exclude(profile__platform__in=platforms)
        .exclude(platform_state__has_key=RELEASED)
        .filter(switched_on, Exists(first_article), ~Exists(live))
    )
    return targets.exclude(pk__in=held.values("pk"))


# What people read ---------------------------------------------------------------------------


def _article_of(targets: list[PostTarget]) -> PostTarget | None:
    articles = [t for t in targets if publishes_articles(t.profile.platform)]
    return min(articles, key=lambda t: t.pk) if articles else None


def article_link(post: Post) -> str:
    """The live article's permalink, or '' (from the post's prefetched targets)."""
    article = _article_of(list(post.targets.all()))
    if article is not None and article.status == T.PUBLISHED:
        return article.permalink
    return ""


def target_article_wait(target: PostTarget) -> str:
    """Why this target is held for its post's article, in a sentence; '' when it is not.

    Reads the post's targets and versions (prefetch them on lists)."""
    if target.status not in HOLDABLE or RELEASED in target.platform_state:
        return ""
    if not article_platforms() or publishes_articles(target.profile.platform):
        return ""
    post = target.post
    targets = list(post.targets.all())
    if not post_waits_for_article(post, post.versions.all(), {t.profile.platform for t in targets}):
        return ""
    article = _article_of(targets)
    if article is None or (article.status == T.PUBLISHED and article.permalink):
        return ""
    where = f"{article.profile.get_platform_display()} ({article.profile.name})"
    if article.status == T.PUBLISHED:
        return (
            f"Waiting: the article on {where} is published but has no link to share — publish "
            "these without the article link, or cancel them."
        )
    if article.status == T.FAILED and article.error_code == "unconfirmed":
        return (
            f"Waiting: we could not confirm whether the article on {where} went out — settle "
            "it, or publish these without the article link."
        )
    if article.status == T.FAILED:
        return (
            f"Waiting: the article on {where} failed — retry or cancel it, or publish these "
            "without the article link."
        )
    if article.status == T.CANCELLED:
        return (
            f"Waiting: the article on {where} was cancelled — restore it, or publish these "
            "without the article link."
        )
    return f"Waiting for the article on {where} to go live."


def article_display(post: Post) -> dict | None:
    """The post page's box: what `{article_url}` becomes and which targets wait for it."""
    targets = list(post.targets.all())
    waiting = [t for t in targets if t.article_wait]
    if not waiting and not post_wait_flag(post):
        return None
    return {"placeholder": PLACEHOLDER, "link": article_link(post), "waiting": waiting}


def fill_article_url(text: str, url: str | None) -> str:
    """`{article_url}` as the article's link; None leaves it as written (not known yet), ''
    leaves it out (released without the article)."""
    if not text or PLACEHOLDER not in text or url is None:
        return text
    if url:
        return text.replace(PLACEHOLDER, url)
    lines = [" ".join(line.replace(PLACEHOLDER, "").split()) for line in text.split("\n")]
    return "\n".join(lines).strip()


# Acting -----------------------------------------------------------------------------------


def post_release_article_wait(*, post: Post, actor: Actor) -> int:
    """Publish the post's held targets without waiting for the article; returns how many.

    Each goes at its own time (at once if that has passed); `{article_url}` is replaced by the
    article's link if the article is live by then, else left out of the caption."""
    targets = list(post.targets.select_related("profile", "post"))
    held = [t for t in targets if target_article_wait(t)]
    if not held:
        raise InvalidTransition("None of this post's profiles is waiting for the article.")
    released = 0
    reason = "published without waiting for the article"
    for target in held:
        state = {**target.platform_state, RELEASED: True}
        fields = {"platform_state": state}
        if target.status == T.SCHEDULED:
            released += target_transition(target=target, to=T.SCHEDULED, actor=actor,
                                          reason=reason, **fields)  # fmt: skip
            continue
        # Pending (no slot yet): no status changes; the flag is written only if still pending.
        if PostTarget.objects.filter(pk=target.pk, status=T.PENDING).update(**fields):
            audit_entry(post_id=post.pk, target_id=target.pk, frm=T.PENDING, to=T.PENDING,
                        actor=actor, reason=reason).save()  # fmt: skip
            released += 1
    return released


def wait_switch_clean(value) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ValidationError({OPTION: ["Use true, false, or leave it out (automatic)."]})

"""What a provider is given to publish one target: the content as this target sends it, and a
request whose checkpoints renew the worker's claim."""

from django.utils import timezone

from channels.providers import get_provider
from channels.providers.base import ClaimLost, Content, PublishRequest
from library.services import asset_jpeg_rendition
from publishing import utm
from publishing.articles import fill_article_url
from publishing.media import media_signed_url
from publishing.models import PostingMode, PostTarget, TargetStatus
from publishing.services import target_content
from publishing.versions import effective_options, target_version

T = TargetStatus


def publish_content(target: PostTarget) -> Content:
    """The post as this target sends it: UTM tags on every link when the account wants them."""
    content = target_content(target)  # its network's version over the base
    # `{article_url}` still unknown here (released without the article): left out.
    content.caption = fill_article_url(content.caption, "")
    content.first_comment = fill_article_url(content.first_comment, "")
    account = target.post.account
    if account.utm_enabled:
        params = utm.utm_params(
            platform=target.profile.platform,
            campaign=target.post.bucket or account.utm_campaign or account.slug,
            target_id=target.pk,
        )
        content.caption = utm.tag_text(content.caption, params)
        content.link = utm.tag_url(content.link, params) if content.link else ""
    _send_jpeg_renditions(target, content)
    return content


def _send_jpeg_renditions(target: PostTarget, content: Content) -> None:
    """Where this post type takes only JPEG, a library PNG/WebP goes as its JPEG rendition (made
    once and stored; the original is kept)."""
    type_limits = get_provider(target.profile.platform).limits.post_types.get(content.post_type)
    takes = type_limits.image_mime if type_limits else frozenset()
    if "image/jpeg" not in takes:
        return
    rows = list(target.post.media.select_related("asset"))
    for row, item in zip(rows, content.media, strict=False):
        if row.asset is None or not item.jpeg_convertible or item.mime_type in takes:
            continue
        asset = asset_jpeg_rendition(asset=row.asset)
        item.url = media_signed_url(asset.jpeg_rendition.name)
        item.mime_type = "image/jpeg"
        item.storage_name = asset.jpeg_rendition.name
        item.size_bytes = asset.jpeg_rendition.size
        item.jpeg_convertible = False


def publish_request(target: PostTarget, content: Content) -> PublishRequest:
    """What the provider is called with; its checkpoints and keep-alives write to the target only
    while this worker holds the claim (renewing the lease), else raise ClaimLost."""
    state = dict(target.platform_state)
    claimed = target.status == T.PUBLISHING and bool(target.claim_token)

    def _mine(**fields) -> None:
        """Write to the target while this worker still holds the claim, renewing its lease."""
        rows = PostTarget.objects.filter(pk=target.pk)
        if claimed:
            fields["claimed_at"] = timezone.now()
            rows = rows.filter(status=T.PUBLISHING, claim_token=target.claim_token)
        if not rows.update(**fields) and claimed:
            raise ClaimLost(f"target {target.pk} was claimed again")

    def checkpoint(values: dict) -> None:
        state.update(values)  # the provider sees its own progress at once
        target.platform_state = dict(state)
        _mine(platform_state=target.platform_state)

    def keep_alive() -> None:
        if claimed:
            _mine()

    profile = target.profile
    drafts = target.posting_mode == PostingMode.MANUAL
    return PublishRequest(
        target_id=target.pk,
        content=content,
        profile_external_id=profile.external_id,
        access_token=profile.api_token,
        credentials=profile.api_credentials,
        state=state,
        checkpoint=checkpoint,
        mode="drafts" if drafts else "automatic",
        profile_username=profile.username,
        # Its version's over the post's over the profile's defaults.
        options=effective_options(target.post, profile, target_version(target)),
        keep_alive=keep_alive,
    )

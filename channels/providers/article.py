"""What every blog (a CMS behind credentials) shares: the article options, the body rendered to
safe HTML, images uploaded to the CMS before the post, and one exactly-once publish flow.

A blog provider subclasses ArticleProvider and implements the CMS calls (`upload_image`,
`find_by_slug`, `create_post`, `publish_existing`, `get_post`, `as_published`). The flow:

prepare — the slug is fixed from the title (or the slug option) and checkpointed before any call
that could create the post, after checking the CMS has no post under it yet (a CMS would quietly
pick `slug-2`, and the lost-answer look-up by slug would then miss ours); every image (inline and
featured) is uploaded once, each upload checkpointed, so a retry never uploads it again.
finish — one create call: published (automatic) or a draft for an editor to finish (manual
mode, followed by `draft_status` until the CMS shows it published).
reconcile — after a lost answer: the post under our slug, or certainly none.
"""

import mimetypes
import re
from dataclasses import dataclass, field
from html import escape, unescape
from html.parser import HTMLParser
from pathlib import PurePosixPath
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import nh3
from django.conf import settings
from django.core.files.storage import default_storage
from django.utils.text import slugify
from markdown_it import MarkdownIt

from channels.http import PERMANENT, PlatformError, rewrite_url
from channels.limits import PlatformLimits, TypeLimits
from channels.providers.base import (
    Content,
    MediaItem,
    OptionField,
    Problem,
    Provider,
    Published,
    PublishRequest,
    SentToDrafts,
)
from socialdist.addresses import url_host_problem

IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
ARTICLE_LIMITS = PlatformLimits(
    caption_max=200_000,  # no CMS limit worth the name (WordPress: longtext)
    post_types={
        "article": TypeLimits(0, 10, frozenset({"image"}), image_mime=IMAGE_TYPES, title_max=255)
    },
)
SLUG_MAX = 191  # Ghost's column; WordPress takes 200
IMAGE_MAX_BYTES = 20 * 1024 * 1024

# Options every blog takes (identical specs: the API schema has one field per key).
BODY_FORMAT = OptionField(
    "body_format",
    "Body format",
    kind="choice",
    choices=(("markdown", "Markdown"), ("html", "Pasted HTML")),
    prompt="Detect (HTML if it starts with a tag)",
    help="How the body is written; it is sent as sanitised HTML either way.",
)
EXCERPT = OptionField("excerpt", "Excerpt", kind="textarea", max_length=300,
                      help="The short summary shown in lists and feeds.")  # fmt: skip
SLUG = OptionField("slug", "Slug", kind="text", max_length=SLUG_MAX,
                   help="The address of the article; made from the title when empty.")  # fmt: skip
TAGS = OptionField("tags", "Tags", kind="tags", max_length=100,
                   help="Found on the blog by name, or created.")  # fmt: skip
FEATURED_IMAGE = OptionField(
    "featured_image",
    "Featured image",
    kind="choice",
    choices=(("first", "The first image of the post"), ("none", "No featured image")),
    prompt="The first image of the post",
)
FEATURED_ALT = OptionField("featured_alt", "Featured image alt text", kind="text",
                           max_length=500,
                           help="For screen readers; the image's own description when empty.")  # fmt: skip
CANONICAL_URL = OptionField("canonical_url", "Canonical URL", kind="text", max_length=2000,
                            help="Where the article first appeared, if elsewhere.")  # fmt: skip
SEO_TITLE = OptionField("seo_title", "SEO title", kind="text", max_length=300,
                        help="The title search engines show; the article's title when empty.")  # fmt: skip
SEO_DESCRIPTION = OptionField("seo_description", "SEO description", kind="textarea",
                              max_length=500, help="The summary search engines show.")  # fmt: skip

_HTML_START = re.compile(r"^\s*<(p|div|h[1-6]|article|section|ul|ol|table|figure|blockquote|img|"
                         r"!--)[\s>/]", re.IGNORECASE)  # fmt: skip
_IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_SRC = re.compile(r'(\ssrc=")([^"]*)(")', re.IGNORECASE)
_markdown = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


# Body -----------------------------------------------------------------------------------------
def is_html(text: str, body_format: str = "") -> bool:
    """Pasted HTML, by the option or (when not chosen) by the body starting with a block tag."""
    if body_format in ("markdown", "html"):
        return body_format == "html"
    return bool(_HTML_START.match(text or ""))


def body_html(text: str, body_format: str = "") -> str:
    """The body as safe HTML: Markdown rendered (markdown-it-py), then everything sanitised
    (nh3), so no script, handler or style from a pasted page reaches the blog."""
    html = text if is_html(text, body_format) else _markdown.render(text or "")
    return nh3.clean(html, link_rel="noopener noreferrer").strip()


class _ImageSources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            src = dict(attrs).get("src")
            if src and src not in self.sources:
                self.sources.append(src)


def image_sources(html: str) -> list[str]:
    """Each inline image's URL, in order, once."""
    parser = _ImageSources()
    parser.feed(html)
    return parser.sources


def replace_image_sources(html: str, mapping: dict[str, str]) -> str:
    """Point each inline image at its copy on the CMS."""

    def tag(match: re.Match) -> str:
        def src(m: re.Match) -> str:
            new = mapping.get(unescape(m.group(2)))
            return m.group(1) + (escape(new) if new else m.group(2)) + m.group(3)

        return _SRC.sub(src, match.group(0))

    return _IMG_TAG.sub(tag, html)


def without_utm(url: str) -> str:
    """The image's own URL: publishing tags every link in the body with UTM parameters, images
    included, and an image is fetched (and named) without them."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.startswith("utm_")]  # fmt: skip
    return urlunsplit(parts._replace(query=urlencode(query)))


def article_slug(title: str, chosen: str = "") -> str:
    return slugify(chosen or title)[:SLUG_MAX].strip("-")


# The flow -------------------------------------------------------------------------------------
@dataclass
class Article:
    """The article as the CMS receives it (images already on the CMS)."""

    title: str
    html: str
    slug: str
    excerpt: str = ""
    tags: list[str] = field(default_factory=list)
    featured: dict = field(default_factory=dict)  # {"url", "id"?} on the CMS
    featured_alt: str = ""
    canonical_url: str = ""
    seo_title: str = ""
    seo_description: str = ""
    options: dict = field(default_factory=dict)


class ArticleProvider(Provider):
    """A blog reached with credentials; subclasses implement the CMS calls below."""

    auth = "credentials"
    limits = ARTICLE_LIMITS
    supports_drafts = True  # manual mode: a CMS draft an editor finishes
    # Blogs are read by search and email more than feeds: one article a day is plenty.
    windows = {"weekday": ("09:00", "11:00", "14:00"), "weekend": ("10:00", "12:00", "15:00")}

    # CMS calls --------------------------------------------------------------------------------
    def upload_image(
        self, request: PublishRequest, data: bytes, filename: str, mime: str, alt: str
    ) -> dict:
        """Upload one image; {"url": its URL on the CMS, "id"?: its media id}."""
        raise NotImplementedError

    def find_by_slug(self, request: PublishRequest, slug: str) -> dict | None:
        raise NotImplementedError

    def create_post(self, request: PublishRequest, article: Article, *, draft: bool) -> dict:
        raise NotImplementedError

    def publish_existing(self, request: PublishRequest, post: dict) -> dict:
        """Make a post we created earlier (found by slug, not live yet) public."""
        raise NotImplementedError

    def get_post(self, request: PublishRequest, post_id: str) -> dict:
        raise NotImplementedError

    def post_id(self, post: dict) -> str:
        return str(post["id"])

    def as_published(self, request: PublishRequest, post: dict) -> Published | None:
        """The post as Published when the CMS shows it live, else None (a draft, or an item
        created but not published yet)."""
        raise NotImplementedError

    def prepare_terms(self, request: PublishRequest, article: Article) -> None:
        """Look up or create tags where the CMS needs ids for them (checkpointed)."""

    # The shared flow --------------------------------------------------------------------------
    def list_profiles(self, *, access_token: str) -> list:
        return []  # credentials platforms list their profiles in verify

    def validate(self, content: Content) -> list[Problem]:
        problems = super().validate(content)
        if content.post_type in self.limits.post_types and not (content.title or "").strip():
            problems.append(
                Problem("title_missing", f"An article on {self.name} needs a title.", "title")
            )
        return problems

    def prepare(self, request: PublishRequest) -> None:
        if request.state.get("post_id"):
            return  # created already: nothing left to prepare
        self._fix_slug(request)
        options = request.options
        html = body_html(request.content.caption, options.get("body_format", ""))
        media = {without_utm(m.url): m for m in request.content.media}
        images = dict(request.state.get("images") or {})
        for source in image_sources(html):
            original = without_utm(source)
            if original not in images:
                item = media.get(original) or MediaItem(url=original, kind="image")
                images[original] = self._upload(request, item)
                request.checkpoint({"images": images})
        featured = request.content.media[0] if request.content.media else None
        if featured and options.get("featured_image") != "none" and "featured" not in request.state:
            uploaded = images.get(without_utm(featured.url)) or self._upload(request, featured)
            request.checkpoint({"featured": uploaded})
        self.prepare_terms(request, self._article(request))

    def finish(self, request: PublishRequest) -> Published:
        drafts = request.mode == "drafts"
        if post_id := request.state.get("post_id"):
            if drafts:
                raise SentToDrafts(post_id)
            post = self.publish_existing(request, self.get_post(request, post_id))
        else:
            post = None
            if request.state.get("create_sent"):  # an earlier create that timed out may have
                post = self.find_by_slug(request, request.state["slug"])  # landed after all
            if post is None:
                request.checkpoint({"create_sent": True})  # from here a lost answer is looked up
                post = self.create_post(request, self._article(request), draft=drafts)
            request.checkpoint({"post_id": self.post_id(post)})
            if drafts:
                raise SentToDrafts(self.post_id(post))
            if self.as_published(request, post) is None:  # created, then published (Webflow)
                post = self.publish_existing(request, post)
        published = self.as_published(request, post)
        if published is None:
            raise PlatformError(
                PERMANENT,
                "not_published",
                f"{self.name} saved the article but did not publish it; open it there and "
                "publish it, or check the user's role.",
            )
        return published

    def draft_status(self, request: PublishRequest) -> Published | None:
        post_id = request.state.get("post_id")
        if not post_id:
            return None
        return self.as_published(request, self.get_post(request, post_id))

    def reconcile(self, request: PublishRequest) -> Published | None:
        slug = request.state.get("slug")
        if not slug or not (request.state.get("create_sent") or request.state.get("post_id")):
            return None  # the create call was never sent: there is no post
        post = self.find_by_slug(request, slug)
        if post is None:
            return None
        request.checkpoint({"post_id": self.post_id(post)})
        published = self.as_published(request, post)
        if published is None and request.mode == "drafts":
            raise SentToDrafts(self.post_id(post))
        return published  # None: ours, not live yet; finish publishes it (no second create)

    # Helpers ----------------------------------------------------------------------------------
    def site_address(self, url: str) -> str:
        """`url` on the site a person typed, checked again before use (as webhooks are): a
        host that now resolves into our own network is refused, so no stored blog address can
        reach a private or metadata address, whose answer would show in an error message."""
        host = urlsplit(url).netloc
        safe = self.__dict__.setdefault("_safe_hosts", set())
        if host not in safe:
            allow = settings.DEBUG or settings.CONNECT_ALLOW_PRIVATE
            if problem := url_host_problem(url, allow_private=allow):
                raise PlatformError(PERMANENT, "unsafe_site_url",
                                    f"The {self.name} address {problem}; reconnect with the "
                                    "site's public https:// address.")  # fmt: skip
            safe.add(host)
        return url

    def _fix_slug(self, request: PublishRequest) -> None:
        if request.state.get("slug"):
            return
        base = article_slug(request.content.title, request.options.get("slug", ""))
        base = base or f"post-{request.target_id}"
        slug = base
        for n in range(2, 20):  # an older post already has it: ours gets the next free one
            if self.find_by_slug(request, slug) is None:
                break
            slug = f"{base[: SLUG_MAX - 4]}-{n}"
        request.checkpoint({"slug": slug})

    def _article(self, request: PublishRequest) -> Article:
        options, state = request.options, request.state
        html = body_html(request.content.caption, options.get("body_format", ""))
        sources = {src: state.get("images", {}).get(without_utm(src), {}).get("url")
                   for src in image_sources(html)}  # fmt: skip
        html = replace_image_sources(html, {k: v for k, v in sources.items() if v})
        featured = state.get("featured") or {}
        first = request.content.media[0] if request.content.media else None
        return Article(
            title=request.content.title.strip(),
            html=html,
            slug=state["slug"],
            excerpt=(options.get("excerpt") or "").strip(),
            tags=[t for t in options.get("tags") or [] if t],
            featured=featured,
            featured_alt=options.get("featured_alt") or (first.alt_text if first else ""),
            canonical_url=(options.get("canonical_url") or "").strip(),
            seo_title=(options.get("seo_title") or "").strip(),
            seo_description=(options.get("seo_description") or "").strip(),
            options=options,
        )

    def _upload(self, request: PublishRequest, item: MediaItem) -> dict:
        data, filename, mime = self._image_bytes(item)
        request.keep_alive()
        return self.upload_image(request, data, filename, mime, item.alt_text)

    def _image_bytes(self, item: MediaItem) -> tuple[bytes, str, str]:
        """The image's bytes: from our storage for files we hold, else fetched from its URL
        (public addresses only, like a connect URL)."""
        name = PurePosixPath(urlsplit(item.url).path).name or "image.jpg"
        if item.hosted and item.storage_name and default_storage.exists(item.storage_name):
            with default_storage.open(item.storage_name, "rb") as handle:
                data = handle.read()
            name = PurePosixPath(item.storage_name).name
        else:
            target = rewrite_url(item.url)
            allow = settings.DEBUG or settings.CONNECT_ALLOW_PRIVATE
            if problem := url_host_problem(target, allow_private=allow, require_https=False):
                raise PlatformError(PERMANENT, "image_unreachable",
                                    f"The image {item.url} {problem}.")  # fmt: skip
            response = self.http.request(
                "GET", item.url, expect_json=False, allow_redirects=False, stream=True
            )
            if response.status_code != 200:
                raise PlatformError(PERMANENT, "image_unreachable",
                                    f"The image {item.url} answered {response.status_code}, "
                                    "not the image; check its address.")  # fmt: skip
            data = response.raw.read(IMAGE_MAX_BYTES + 1, decode_content=True)
            if len(data) > IMAGE_MAX_BYTES:
                raise PlatformError(PERMANENT, "image_too_large",
                                    f"The image {item.url} is over 20 MB; use a smaller one.")  # fmt: skip
        mime = item.mime_type or mimetypes.guess_type(name)[0] or "image/jpeg"
        return data, name, mime

import pytest

from publishing.dispatch import dispatch_due
from publishing.utm import tag_text, tag_url, utm_params
from tests.factories import MediaFactory, TargetFactory

PARAMS = utm_params(platform="instagram", campaign="spring", target_id=42)


def test_tags_are_added_and_existing_ones_kept():
    assert tag_url("https://shop.example.com/a?b=1&utm_source=newsletter", PARAMS) == (
        "https://shop.example.com/a?b=1&utm_source=newsletter"
        "&utm_medium=social&utm_campaign=spring&utm_content=42"
    )


def test_every_link_in_a_caption_is_tagged_and_punctuation_left_alone():
    caption = "New menu: https://cafe.example/menu. Book (https://cafe.example/book)! #coffee"
    assert tag_text(caption, PARAMS) == (
        "New menu: https://cafe.example/menu?utm_source=instagram&utm_medium=social"
        "&utm_campaign=spring&utm_content=42. Book (https://cafe.example/book?utm_source="
        "instagram&utm_medium=social&utm_campaign=spring&utm_content=42)! #coffee"
    )


def test_fragments_survive_and_non_http_is_untouched():
    assert tag_url("https://a.example/p#top", PARAMS).endswith("utm_content=42#top")
    assert tag_text("mail me: mailto:x@example.com or ftp://f.example", PARAMS) == (
        "mail me: mailto:x@example.com or ftp://f.example"
    )


@pytest.mark.django_db
def test_published_caption_carries_the_tags(fake_instagram):
    fake_instagram.tokens.add("tok")
    target = TargetFactory(
        profile__external_id="1784140001",
        profile__connection__access_token="tok",
        post__caption="Shop now https://shop.example.com/spring",
        post__bucket="launch",
    )
    MediaFactory(post=target.post)
    dispatch_due()
    caption = next(iter(fake_instagram.media.values())).caption
    assert caption == (
        "Shop now https://shop.example.com/spring?utm_source=instagram&utm_medium=social"
        f"&utm_campaign=launch&utm_content={target.pk}"
    )
    target.post.refresh_from_db()
    assert target.post.caption == "Shop now https://shop.example.com/spring"  # stored untouched


@pytest.mark.django_db
def test_accounts_can_switch_tagging_off(fake_instagram):
    fake_instagram.tokens.add("tok")
    target = TargetFactory(
        profile__external_id="1784140001",
        profile__connection__access_token="tok",
        post__caption="Shop now https://shop.example.com/spring",
        post__account__utm_enabled=False,
    )
    MediaFactory(post=target.post)
    dispatch_due()
    assert next(iter(fake_instagram.media.values())).caption == target.post.caption

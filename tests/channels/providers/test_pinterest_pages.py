"""Pinterest on the pages: the Channels page connects it and sets the default board by name; the
composer's Pinterest card has the title, the board (by name), the link and the trial notice."""

import re

import pytest

from channels.models import Profile
from publishing.models import Post
from tests.helpers import connect
from tests.media_files import image_bytes, upload

pytestmark = pytest.mark.django_db
RECIPES, GEAR = "549755885176", "549755885177"


@pytest.fixture
def pinner(owner_client, account, fake_pinterest) -> Profile:
    response = connect(platform="pinterest", account=account, client=owner_client)
    assert response.status_code == 302, response.content
    profile = Profile.objects.get(platform="pinterest")
    profile.posting_mode = "automatic"
    profile.save(update_fields=["posting_mode"])
    return profile


def test_the_channels_page_offers_pinterest_and_its_boards_by_name(owner_client, account, pinner):
    page = owner_client.get(f"/a/{account.slug}/channels/").content.decode()
    assert "Pinterest" in page and "Acme Coffee" in page
    select = re.search(rf'<select name="pinterest-{pinner.pk}-board_id".*?</select>', page, re.S)
    assert select, "the default board is a select of the profile's boards"
    assert f'<option value="{RECIPES}">Recipes</option>' in select.group(0)
    assert "Refresh boards from Pinterest" in page


def test_choosing_the_default_board_stores_its_id(owner_client, account, pinner):
    url = f"/a/{account.slug}/channels/profiles/{pinner.pk}/options/"
    response = owner_client.post(url, {f"pinterest-{pinner.pk}-board_id": GEAR})
    assert response.status_code == 302
    pinner.refresh_from_db()
    assert pinner.extra["board_id"] == GEAR
    page = owner_client.get(f"/a/{account.slug}/channels/").content.decode()
    assert f'<option value="{GEAR}" selected>Coffee gear</option>' in page
    # A name typed in is no board: the select refuses it.
    owner_client.post(url, {f"pinterest-{pinner.pk}-board_id": "Recipes"})
    pinner.refresh_from_db()
    assert pinner.extra["board_id"] == GEAR


def test_refreshing_reads_new_boards(owner_client, account, pinner, fake_pinterest):
    fake_pinterest.boards.append({"id": "549755885199", "name": "Latte art", "privacy": "PUBLIC"})
    response = owner_client.post(f"/a/{account.slug}/channels/{pinner.connection_id}/refresh/")
    assert response.status_code == 302
    page = owner_client.get(f"/a/{account.slug}/channels/").content.decode()
    assert "Latte art" in page


def test_refreshing_is_for_managers_of_this_account_only(outsider_client, account, pinner):
    response = outsider_client.post(f"/a/{account.slug}/channels/{pinner.connection_id}/refresh/")
    assert response.status_code == 404


def test_the_composer_shows_the_pinterest_card(owner_client, account, pinner, settings):
    settings.PINTEREST_ACCESS_TIER = "trial"
    pinner.extra = {**pinner.extra, "board_id": RECIPES}
    pinner.save()
    page = owner_client.get(f"/a/{account.slug}/posts/new/").content.decode()
    card = re.search(r'<fieldset class="platform-options network pinterest-options".*?</fieldset>',
                     page, re.S).group(0)  # fmt: skip
    assert "visible only to the creator" in card
    assert 'name="pinterest_title"' in card
    assert re.search(r'<select name="pinterest_board_id".*?Recipes.*?Coffee gear', card, re.S)
    assert 'name="pinterest_alt_text"' in card
    assert "Empty uses the profile&#x27;s default (Acme Coffee: Recipes)." in card
    assert 'name="link"' in page
    settings.PINTEREST_ACCESS_TIER = "standard"
    page = owner_client.get(f"/a/{account.slug}/posts/new/").content.decode()
    assert "visible only to the creator" not in page


def compose(client, account, profile, **extra):
    data = {
        "caption": "Cold brew, three ways",
        "post_type": "pin",
        "profiles": [profile.pk],
        "when": "slot",
        "link": "https://acme.example/cold-brew",
        "media": upload("brew.jpg", image_bytes(size=(1000, 1500))),
        **extra,
    }
    return client.post(f"/a/{account.slug}/posts/new/", data)


def test_the_composer_saves_board_title_and_link(owner_client, account, pinner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = compose(owner_client, account, pinner, pinterest_board_id=RECIPES,
                       pinterest_customise="on", pinterest_title="Cold brew",
                       pinterest_caption="Three ways to cold brew")  # fmt: skip
    assert response.status_code == 302, response.content.decode()[-3000:]
    post = Post.objects.get()
    assert post.link == "https://acme.example/cold-brew"
    assert post.options == {"board_id": RECIPES}
    version = post.versions.get()
    assert (version.title, version.caption) == ("Cold brew", "Three ways to cold brew")


def test_the_composer_needs_a_board(owner_client, account, pinner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = compose(owner_client, account, pinner)
    page = response.content.decode()
    assert re.search(r"field-pinterest_board_id.*?errorlist.*?Choose a board for this pin", page,
                     re.S)  # fmt: skip
    assert not Post.objects.exists()


def test_reviewers_cannot_refresh(account, pinner, client):
    from tests.factories import MembershipFactory, UserFactory

    reviewer = UserFactory(email="reviewer@example.com")
    MembershipFactory(user=reviewer, account=account, role="reviewer")
    client.force_login(reviewer)
    response = client.post(f"/a/{account.slug}/channels/{pinner.connection_id}/refresh/")
    assert response.status_code == 403


def test_reviewers_read_the_default_board_by_name(account, pinner, client):
    from tests.factories import MembershipFactory, UserFactory

    pinner.extra = {**pinner.extra, "board_id": GEAR}
    pinner.save()
    reviewer = UserFactory(email="reader@example.com")
    MembershipFactory(user=reviewer, account=account, role="reviewer")
    client.force_login(reviewer)
    page = client.get(f"/a/{account.slug}/channels/").content.decode()
    assert "<li>Default board: Coffee gear</li>" in page

from datetime import UTC, datetime

import pytest
import time_machine

from accounts.models import ClientAccount
from scheduling.models import ProfileSchedule, ScheduleSettings, Slot
from tests.factories import MembershipFactory, ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def profile(account):
    return ProfileFactory(connection__account=account, name="Acme IG")


def form(profile, **overrides):
    data = {"mode": "custom", "temperature": "warm", "horizon_days": "7", "generation_mode": "manual",
            "timezone": "Europe/London", f"times-{profile.pk}-0": "09:00, 17:30", f"cap-{profile.pk}": "2"}  # fmt: skip
    return {**data, **overrides}


def test_admin_saves_settings_and_slots_are_planned(owner_client, account, profile):
    url = f"/a/{account.slug}/schedule/"
    page = owner_client.get(url)
    assert page.status_code == 200 and b"In effect: <strong>Automatic" in page.content
    with time_machine.travel(datetime(2026, 11, 22, 12, tzinfo=UTC), tick=False):
        response = owner_client.post(url, form(profile))
    assert response.status_code == 302
    settings_ = ScheduleSettings.objects.get(account=account)
    assert (settings_.mode, settings_.temperature, settings_.horizon_days) == ("custom", "warm", 7)
    assert ClientAccount.objects.get(pk=account.pk).timezone == "Europe/London"
    schedule = ProfileSchedule.objects.get(profile=profile)
    assert (schedule.custom_times["0"], schedule.daily_cap) == (["09:00", "17:30"], 2)
    assert Slot.objects.filter(profile=profile).count() == 2  # Monday 09:00 and 17:30


def test_adaptive_shows_why_automatic_is_in_effect(owner_client, account, profile):
    owner_client.post(f"/a/{account.slug}/schedule/", form(profile, mode="adaptive"))
    page = owner_client.get(f"/a/{account.slug}/schedule/").content.decode()
    assert "In effect: <strong>Automatic" in page and "needs 14 days" in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "not an IANA time zone name"),
        ({"horizon_days": "90"}, "between 1 and 60"),
        ({"times-{pk}-0": "9am"}, "Acme IG: Monday: &#x27;9am&#x27; is not a time; use HH:MM"),
        ({"cap-{pk}": "0"}, "daily cap must be 1 or more"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(
    owner_client, account, profile, change, message
):
    change = {k.format(pk=profile.pk): v for k, v in change.items()}
    response = owner_client.post(f"/a/{account.slug}/schedule/", form(profile, **change))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ScheduleSettings.objects.filter(mode="custom").exists()
    assert not ProfileSchedule.objects.exists()


def test_marketers_read_outsiders_get_404(client, outsider_client, account, profile):
    marketer = UserFactory()
    MembershipFactory(user=marketer, account=account, role="marketer")
    client.force_login(marketer)
    assert client.get(f"/a/{account.slug}/schedule/").status_code == 200
    assert client.post(f"/a/{account.slug}/schedule/", form(profile)).status_code == 403
    assert outsider_client.get(f"/a/{account.slug}/schedule/").status_code == 404
    assert outsider_client.post(f"/a/{account.slug}/schedule/", form(profile)).status_code == 404


def test_a_zone_typed_in_any_case_is_saved_in_its_own_spelling(owner_client, account, profile):
    response = owner_client.post(
        f"/a/{account.slug}/schedule/", form(profile, timezone="europe/LONDON")
    )
    assert response.status_code == 302
    assert ClientAccount.objects.get(pk=account.pk).timezone == "Europe/London"


def test_an_unknown_zone_names_the_field_and_the_fix(owner_client, account, profile):
    response = owner_client.post(
        f"/a/{account.slug}/schedule/", form(profile, timezone="Europe/Londn")
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        "Time zone: &#x27;Europe/Londn&#x27; is not an IANA time zone name. Pick one from the list"
        in page
    )
    assert ClientAccount.objects.get(pk=account.pk).timezone == "UTC"


def test_the_zone_box_searches_the_iana_list_and_offers_the_browser_zone(owner_client, account):
    page = owner_client.get(f"/a/{account.slug}/schedule/").content.decode()
    assert 'list="timezone-names"' in page and "data-timezone-browser" in page  # still on UTC
    assert '<datalist id="timezone-names">' in page and '<option value="America/New_York">' in page
    account.timezone = "Europe/Paris"
    account.save()
    assert (
        "data-timezone-browser"
        not in owner_client.get(f"/a/{account.slug}/schedule/").content.decode()
    )


def test_weekday_times_are_one_grid_and_save_per_profile_and_day(owner_client, account, profile):
    other = ProfileFactory(connection__account=account, name="Acme TT", platform="tiktok")
    url = f"/a/{account.slug}/schedule/"
    page = owner_client.get(url).content.decode()
    assert page.count('<table class="times-grid">') == 1 and "<fieldset><legend>Acme IG" not in page
    assert page.count("<tr>") == 3  # the weekday header and one row per profile
    assert 'aria-label="Acme TT, Wednesday times"' in page
    data = form(profile, **{f"times-{profile.pk}-6": "18:00", f"times-{other.pk}-2": "07:15;12:00",
                            f"cap-{other.pk}": ""})  # fmt: skip
    with time_machine.travel(datetime(2026, 11, 22, 12, tzinfo=UTC), tick=False):
        assert owner_client.post(url, data).status_code == 302
    mine, theirs = (ProfileSchedule.objects.get(profile=p) for p in (profile, other))
    assert mine.custom_times == {
        "0": ["09:00", "17:30"],
        **{str(d): [] for d in range(1, 6)},
        "6": ["18:00"],
    }
    assert theirs.custom_times["2"] == ["07:15", "12:00"] and theirs.daily_cap is None
    page = owner_client.get(url).content.decode()
    assert f'name="times-{other.pk}-2" value="07:15, 12:00"' in page


def test_one_mode_control_and_content_requests_are_a_yes_or_no(owner_client, account, profile):
    url = f"/a/{account.slug}/schedule/"
    page = owner_client.get(url).content.decode()
    assert page.count('type="radio" name="mode"') == 4 and 'name="generation_mode"' not in page
    assert "<legend>Scheduling mode</legend>" in page
    owner_client.post(url, form(profile, ask_for_content="on"))
    assert ScheduleSettings.objects.get(account=account).generation_mode == "automatic"
    owner_client.post(url, form(profile))
    assert ScheduleSettings.objects.get(account=account).generation_mode == "manual"


def test_the_schedule_is_read_only_for_non_admins(client, account, profile):
    marketer = UserFactory()
    MembershipFactory(user=marketer, account=account, role="marketer")
    client.force_login(marketer)
    page = client.get(f"/a/{account.slug}/schedule/").content.decode()
    box = page.split('name="timezone"', 1)[1].split(">", 1)[0]
    assert "disabled" in box  # and app.js offers no browser zone in a disabled box

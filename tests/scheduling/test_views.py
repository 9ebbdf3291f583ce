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

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from publishing.dispatch import dispatch_due
from tests.factories import TargetFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_never_run_dispatcher_is_unhealthy(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert "never run" in response.json()["problems"][0]


def test_running_dispatcher_is_healthy(client):
    dispatch_due()
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["dispatcher_age_seconds"] == 0


def test_stale_heartbeat_and_overdue_posts_are_reported(client, admin_client):
    dispatch_due()
    with time_machine.travel(timezone.now() + timedelta(minutes=20), tick=False):
        TargetFactory(scheduled_at=timezone.now() - timedelta(minutes=12), post__account__name="A")
        response = client.get("/healthz")
        body = response.json()
        assert response.status_code == 503
        assert body["overdue_targets"] == 1 and body["oldest_overdue_seconds"] == 720
        assert any("last ran 20 min ago" in p for p in body["problems"])
        page = admin_client.get("/admin/")
        assert b"Scheduler warning" in page.content


def test_admin_shows_no_warning_when_healthy(admin_client):
    dispatch_due()
    assert b"Scheduler warning" not in admin_client.get("/admin/").content


@pytest.fixture
def admin_client(client, db):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return client

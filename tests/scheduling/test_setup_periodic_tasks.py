"""setup_periodic_tasks: beat may only be told about tasks a worker really has."""

from io import StringIO

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from socialdist.celery import app

pytestmark = pytest.mark.django_db


def registered_tasks() -> set[str]:
    app.loader.import_default_modules()  # what a worker does at start: autodiscover tasks.py
    return {name for name in app.tasks if not name.startswith("celery.")}


def test_every_periodic_task_names_a_task_celery_registers():
    call_command("setup_periodic_tasks", stdout=StringIO())

    periodic = dict(PeriodicTask.objects.values_list("name", "task"))
    assert len(periodic) >= 8
    unknown = {name: task for name, task in periodic.items() if task not in registered_tasks()}
    assert unknown == {}, f"beat would send tasks no worker knows: {unknown}"


def test_rerunning_updates_instead_of_duplicating():
    call_command("setup_periodic_tasks", stdout=StringIO())
    first = dict(PeriodicTask.objects.values_list("name", "task"))
    out = StringIO()
    call_command("setup_periodic_tasks", stdout=out)

    assert dict(PeriodicTask.objects.values_list("name", "task")) == first
    assert "created" not in out.getvalue()
    assert out.getvalue().count("updated: ") == len(first)

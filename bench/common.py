"""What every bench script shares: Django set up from the environment, and a throwaway database
next to the configured one (PostgreSQL when DATABASE_URL says so)."""

import logging
import os
import sys
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def django_setup(*, quiet_below: int = logging.INFO) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialdist.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("PUBLIC_BASE_URL", "http://bench.invalid")
    import django

    django.setup()
    logging.disable(quiet_below)


@contextmanager
def throwaway_database():
    """A fresh test database for the run, dropped afterwards; yields the engine's short name."""
    from django.conf import settings
    from django.db import connection, connections

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)

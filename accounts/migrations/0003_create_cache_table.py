"""Create the database cache table, so the default cache works after `migrate` with no extra step.

The table name must match CACHE_TABLE in socialdist/settings.py. It is created even when CACHE_URL or
REDIS_URL points the cache elsewhere, so switching back to the default later needs no manual step.
"""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

CACHE_TABLE = "socialdist_cache"


def create_cache_table(apps, schema_editor) -> None:
    command = CreateCacheTable()
    command.verbosity = 0  # create_table() reads it; set by handle() when run from the shell
    command.create_table(schema_editor.connection.alias, CACHE_TABLE, dry_run=False)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_apitoken_role_clientaccount_approval_digest_and_more"),
    ]

    operations = [
        # Reversing leaves the table: dropping it would only lose cached values, never data.
        migrations.RunPython(create_cache_table, migrations.RunPython.noop, elidable=False),
    ]

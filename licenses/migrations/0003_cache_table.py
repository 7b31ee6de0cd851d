"""The database cache's table (settings.CACHES without REDIS_URL), created by `migrate` so
that no manual `createcachetable` is needed. Created whatever CACHES says today, so that
switching from Redis to the database later needs no step either."""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

TABLE = "portal_cache"


def create(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("licenses", "0002_certificate")]

    operations = [migrations.RunPython(create, drop, elidable=False)]

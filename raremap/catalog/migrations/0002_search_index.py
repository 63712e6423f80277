"""Search structures that Django's schema editor does not model: FTS5 on SQLite, GIN on PG."""

from django.db import migrations

from raremap.catalog.search import setup_statements


def create(apps, schema_editor):
    for statement in setup_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    for statement in setup_statements(schema_editor.connection.vendor, teardown=True):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]

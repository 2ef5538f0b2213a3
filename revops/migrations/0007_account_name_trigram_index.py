"""A trigram index on Account.name_key for fuzzy account matching on PostgreSQL.

`revops.selectors.account_matching` reads fuzzy candidates as the nearest names by trigram
distance when this index exists. It needs the pg_trgm extension: where the database role may
not create it, nothing is created and matching keeps its portable path (accounts sharing the
name's first letters). Other databases are left alone.
"""

from django.db import DatabaseError, migrations

INDEX = "revops_account_name_key_trgm"


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        try:
            cursor.execute("SAVEPOINT trigram")
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError:
            cursor.execute("ROLLBACK TO SAVEPOINT trigram")
            return
        cursor.execute("RELEASE SAVEPOINT trigram")
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON revops_account USING gist (name_key gist_trgm_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("revops", "0006_account_match_keys")]

    operations = [migrations.RunPython(create, drop, elidable=False)]

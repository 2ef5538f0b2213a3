"""Word variants of Account.name_key, indexed on PostgreSQL, for fuzzy account matching.

`revops_name_variants(organization_id, name_key)` gives, for each word of the name key, the word
and (for words of four letters or more) every form with one letter deleted, each prefixed with
the organization id. Two words within one edit of each other (a letter added, dropped, changed or
two letters swapped) share at least one such variant, so a GIN index on the array finds every
account having a word within one edit of a given word with one index lookup, within the
organization. `revops.selectors.account_matching` reads its fuzzy candidates this way (see there).
`revops.matching.word_variants` computes the same variants in Python; a test keeps the two equal.
Other databases are left alone (they use the portable prefix path).
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION revops_name_variants(org bigint, key text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT org::text || ' ' || v), '{}')
  FROM (
    SELECT w AS v FROM unnest(string_to_array(key, ' ')) AS w WHERE w <> ''
    UNION
    SELECT overlay(w PLACING '' FROM i FOR 1)
    FROM unnest(string_to_array(key, ' ')) AS w, generate_series(1, length(w)) AS i
    WHERE length(w) >= 4
  ) AS variants
$$
"""
INDEX = "revops_account_name_variants"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON revops_account "
        "USING gin (revops_name_variants(organization_id, name_key))"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    schema_editor.execute("DROP FUNCTION IF EXISTS revops_name_variants(bigint, text)")


class Migration(migrations.Migration):
    dependencies = [("revops", "0007_account_name_trigram_index")]

    operations = [migrations.RunPython(create, drop, elidable=False)]

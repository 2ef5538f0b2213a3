"""Revenue per organization and day, kept by triggers on the revenue events.

PostgreSQL: statement-level AFTER triggers with transition tables (one grouped upsert per
INSERT, UPDATE, DELETE or COPY statement, however many rows it touches). SQLite: row triggers.
A delete only lowers rows that exist: when an organization is deleted its totals may go first,
and nothing is written back for it. Existing events are summed into the table here.
"""

import django.db.models.deletion
from django.db import migrations, models

EVENTS = "attribution_revenueevent"
TOTALS = "attribution_revenuedaytotal"

_PG_ADD = f"""
INSERT INTO {TOTALS} (organization_id, date, amount_cents, events)
SELECT organization_id, date, sum(round(amount * 100))::bigint, count(*) FROM new_rows GROUP BY 1, 2
ON CONFLICT (organization_id, date) DO UPDATE
SET amount_cents = {TOTALS}.amount_cents + EXCLUDED.amount_cents, events = {TOTALS}.events + EXCLUDED.events;
"""
_PG_SUBTRACT = f"""
UPDATE {TOTALS} AS t SET amount_cents = t.amount_cents - d.cents, events = t.events - d.n
FROM (SELECT organization_id, date, sum(round(amount * 100))::bigint AS cents, count(*) AS n
      FROM old_rows GROUP BY 1, 2) AS d
WHERE t.organization_id = d.organization_id AND t.date = d.date;
"""
PG_CREATE = [
    f"""
CREATE OR REPLACE FUNCTION attribution_revenue_totals_insert() RETURNS trigger AS $$
BEGIN {_PG_ADD} RETURN NULL; END; $$ LANGUAGE plpgsql;
""",
    f"""
CREATE OR REPLACE FUNCTION attribution_revenue_totals_delete() RETURNS trigger AS $$
BEGIN {_PG_SUBTRACT} RETURN NULL; END; $$ LANGUAGE plpgsql;
""",
    f"""
CREATE OR REPLACE FUNCTION attribution_revenue_totals_update() RETURNS trigger AS $$
BEGIN {_PG_SUBTRACT} {_PG_ADD} RETURN NULL; END; $$ LANGUAGE plpgsql;
""",
    f"CREATE TRIGGER {EVENTS}_totals_insert AFTER INSERT ON {EVENTS} REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION attribution_revenue_totals_insert();",
    f"CREATE TRIGGER {EVENTS}_totals_delete AFTER DELETE ON {EVENTS} REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION attribution_revenue_totals_delete();",
    f"CREATE TRIGGER {EVENTS}_totals_update AFTER UPDATE ON {EVENTS} "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION attribution_revenue_totals_update();",
]
PG_DROP = [
    *(f"DROP TRIGGER IF EXISTS {EVENTS}_totals_{op} ON {EVENTS};" for op in ("insert", "delete", "update")),
    *(f"DROP FUNCTION IF EXISTS attribution_revenue_totals_{op}();" for op in ("insert", "delete", "update")),
]

_SQLITE_ADD = f"""
INSERT INTO {TOTALS} (organization_id, date, amount_cents, events)
VALUES (NEW.organization_id, NEW.date, CAST(round(NEW.amount * 100) AS INTEGER), 1)
ON CONFLICT (organization_id, date) DO UPDATE
SET amount_cents = amount_cents + excluded.amount_cents, events = events + 1;
"""
_SQLITE_SUBTRACT = f"""
UPDATE {TOTALS} SET amount_cents = amount_cents - CAST(round(OLD.amount * 100) AS INTEGER), events = events - 1
WHERE organization_id = OLD.organization_id AND date = OLD.date;
"""
SQLITE_CREATE = [
    f"CREATE TRIGGER {EVENTS}_totals_insert AFTER INSERT ON {EVENTS} BEGIN {_SQLITE_ADD} END;",
    f"CREATE TRIGGER {EVENTS}_totals_delete AFTER DELETE ON {EVENTS} BEGIN {_SQLITE_SUBTRACT} END;",
    f"CREATE TRIGGER {EVENTS}_totals_update AFTER UPDATE ON {EVENTS} BEGIN {_SQLITE_SUBTRACT} {_SQLITE_ADD} END;",
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {EVENTS}_totals_{op};" for op in ("insert", "delete", "update")]

BACKFILL = f"""
INSERT INTO {TOTALS} (organization_id, date, amount_cents, events)
SELECT organization_id, date, CAST(sum(round(amount * 100)) AS BIGINT), count(*) FROM {EVENTS} GROUP BY 1, 2
"""


def _statements(vendor: str, *, create: bool) -> list[str]:
    if vendor == "postgresql":
        return PG_CREATE if create else PG_DROP
    if vendor == "sqlite":
        return SQLITE_CREATE if create else SQLITE_DROP
    raise NotImplementedError(f"revenue totals triggers are not written for {vendor}")


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in _statements(vendor, create=True):
        schema_editor.execute(sql)
    schema_editor.execute(BACKFILL.replace("BIGINT", "INTEGER") if vendor == "sqlite" else BACKFILL)


def drop_triggers(apps, schema_editor):
    for sql in _statements(schema_editor.connection.vendor, create=False):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("attribution", "0008_revenue_date_index_covers_amount"),
        ("revops", "0008_account_name_variants"),
    ]

    operations = [
        migrations.CreateModel(
            name="RevenueDayTotal",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("date", models.DateField()),
                ("amount_cents", models.BigIntegerField(default=0)),
                ("events", models.BigIntegerField(default=0)),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="revops.organization",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("organization", "date"), name="revenuedaytotal_org_date")
                ],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]

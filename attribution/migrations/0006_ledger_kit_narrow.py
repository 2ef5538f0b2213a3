import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from revops.ledger.triggers import append_only_sql

LEDGER_TABLE = "attribution_attributionentry"


def reinstall_append_only(apps, schema_editor):
    # SQLite applies these field changes by rebuilding the table, which drops its triggers;
    # install them again (idempotent on PostgreSQL, where the table is altered in place).
    for sql in append_only_sql(LEDGER_TABLE, schema_editor.connection.vendor):
        schema_editor.execute(sql, params=None)


def covering_posted_sums_index(apps, schema_editor):
    # PostgreSQL: the posted-sums index also carries amount, kind and id, so recompute's sums
    # per (event, partner, role) read the index only. SQLite has no INCLUDE.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX attrentry_event_partner_cov")
        schema_editor.execute(
            f"CREATE INDEX attrentry_event_partner_cov ON {LEDGER_TABLE} "
            "(revenue_event_id, partner_id, role) INCLUDE (amount, kind, id)"
        )


def _unconstrained(to, related_name="+", **extra):
    return models.ForeignKey(
        db_constraint=False,
        db_index=False,
        on_delete=django.db.models.deletion.PROTECT,
        related_name=related_name,
        to=to,
        **extra,
    )


class Migration(migrations.Migration):
    """Attribution ledger on the ledger kit, step 3: the narrow entry row.

    The explanation JSON and the `reverses` self-reference go (replaced by explanation_ref and
    corrects_id in 0004/0005); no column keeps a database foreign key (the kit's writer checks
    each posting's references once); the posted-sums index becomes covering and the revenue
    period's own index goes (no read filters on it without the organization).
    """

    dependencies = [
        ("attribution", "0005_ledger_kit_rechain"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="attributionentry", name="attributionentry_correction_references_original"
        ),
        migrations.RemoveIndex(model_name="attributionentry", name="attrentry_event_partner"),
        migrations.RemoveField(model_name="attributionentry", name="explanation"),
        migrations.RemoveField(model_name="attributionentry", name="reverses"),
        migrations.AlterField(
            model_name="attributionentry",
            name="explanation_ref",
            field=_unconstrained("attribution.attributionexplanation"),
        ),
        migrations.AlterField(
            model_name="attributionentry",
            name="created_by",
            field=_unconstrained(settings.AUTH_USER_MODEL, blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="attributionentry", name="organization", field=_unconstrained("revops.organization")
        ),
        migrations.AlterField(
            model_name="attributionentry",
            name="partner",
            field=_unconstrained("revops.partner", related_name="attribution_entries"),
        ),
        migrations.AlterField(
            model_name="attributionentry",
            name="period",
            field=_unconstrained("revops.fiscalperiod", help_text="Posted in."),
        ),
        migrations.AlterField(
            model_name="attributionentry",
            name="revenue_event",
            field=_unconstrained("attribution.revenueevent", related_name="entries"),
        ),
        migrations.AlterField(
            model_name="attributionentry",
            name="revenue_period",
            field=_unconstrained("revops.fiscalperiod", help_text="Revenue date's period."),
        ),
        migrations.AddIndex(
            model_name="attributionentry",
            index=models.Index(fields=["revenue_event", "partner", "role"], name="attrentry_event_partner_cov"),
        ),
        migrations.RunPython(covering_posted_sums_index, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="attributionentry",
            constraint=models.CheckConstraint(
                condition=models.Q(models.Q(("corrects_id__isnull", True), ("kind", "original")))
                | models.Q(models.Q(("kind", "original"), _negated=True), ("corrects_id__isnull", False)),
                name="attributionentry_correction_references_original",
            ),
        ),
        migrations.RunPython(reinstall_append_only, reinstall_append_only),
    ]

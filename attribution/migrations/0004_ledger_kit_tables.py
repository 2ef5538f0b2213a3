import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

from revops.ledger import AppendOnly


class Migration(migrations.Migration):
    """Attribution ledger on the ledger kit, step 1: new tables and columns (nullable for now).

    Step 2 (0005) re-chains the existing entries under the ledger key, step 3 (0006) drops the
    old columns and foreign keys.
    """

    dependencies = [
        ("attribution", "0003_ledger_lean_indexes"),
        ("revops", "0004_ledger_head"),
    ]

    operations = [
        migrations.CreateModel(
            name="AttributionExplanation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("digest", models.CharField(max_length=64)),
                ("key_id", models.CharField(max_length=16)),
                ("content", models.JSONField()),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="revops.organization"
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("organization", "digest"), name="attrexplanation_unique_digest")
                ],
            },
        ),
        migrations.CreateModel(
            name="AttributionLedgerTotal",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("entries", models.PositiveBigIntegerField(default=0)),
                ("amount_cents", models.BigIntegerField(default=0)),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("si", "SI / implementation"),
                            ("influence", "Influence"),
                            ("referral", "Referral"),
                            ("isv", "ISV"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("original", "Original"), ("reversal", "Reversal"), ("adjustment", "Adjustment")],
                        max_length=12,
                    ),
                ),
                (
                    "scope",
                    models.CharField(choices=[("opportunity", "Opportunity"), ("account", "Account")], max_length=16),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="revops.organization"
                    ),
                ),
                (
                    "partner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="revops.partner"
                    ),
                ),
                (
                    "period",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="revops.fiscalperiod"
                    ),
                ),
                (
                    "revenue_period",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="revops.fiscalperiod"
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "period", "revenue_period", "partner", "role", "kind", "scope"),
                        name="attrtotal_one_per_key",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="AttributionPartnerDeal",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("first_month", models.DateField()),
                ("last_month", models.DateField()),
                (
                    "opportunity",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="revops.opportunity"
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="revops.organization"
                    ),
                ),
                (
                    "partner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="revops.partner"
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "partner", "opportunity"), name="attrpartnerdeal_one_per_pair"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="attributionentry",
            name="corrects_id",
            field=models.BigIntegerField(
                blank=True, help_text="Id of the entry this reversal or adjustment corrects.", null=True
            ),
        ),
        migrations.AddField(
            model_name="attributionentry",
            name="key_id",
            field=models.CharField(default="", help_text="Id of the key the hash was computed with.", max_length=16),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="attributionentry",
            name="explanation_ref",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="attribution.attributionexplanation",
            ),
        ),
        AppendOnly("attribution_attributionexplanation"),
    ]

"""A covering index for the home dashboard's aggregates (see revops.selectors.dashboard)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("revops", "0002_append_only")]

    operations = [
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(
                fields=[
                    "organization",
                    "stage",
                    "close_date",
                    "amount",
                    "created_date",
                    "account",
                    "owner",
                    "product_line",
                ],
                name="opp_dashboard",
            ),
        ),
    ]

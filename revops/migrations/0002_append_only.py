from django.db import migrations

from revops.ledger import AppendOnly


class Migration(migrations.Migration):
    dependencies = [("revops", "0001_initial")]

    operations = [
        AppendOnly("revops_auditevent"),
        # Stage history is never edited; it goes with its opportunity when one is deleted.
        AppendOnly("revops_opportunitystagechange", refuse_delete=False),
    ]

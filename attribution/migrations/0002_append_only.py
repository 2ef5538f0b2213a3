from django.db import migrations

from revops.ledger import AppendOnly


class Migration(migrations.Migration):
    dependencies = [("attribution", "0001_initial")]

    operations = [
        AppendOnly("attribution_attributionentry"),
        AppendOnly("attribution_attributionperiodseal"),
        # Ledger entries cite rule versions, so a version is never edited or removed.
        AppendOnly("attribution_attributionruleversion"),
    ]

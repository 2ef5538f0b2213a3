"""Current deal scores become a pointer per organization (its latest scoring run's day and
model) instead of a flag on every score row; redundant single-column indexes of the score
table are dropped (composite indexes cover those lookups)."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def pointers_from_flags(apps, schema_editor):
    """Each organization's current run: the day and model of its newest current rows."""
    DealScore = apps.get_model("forecasting", "DealScore")
    CurrentScores = apps.get_model("forecasting", "CurrentScores")
    seen = set()
    rows = (
        DealScore.objects.filter(is_current=True)
        .order_by("organization_id", "-as_of", "-id")
        .values_list("organization_id", "as_of", "model_version_id")
    )
    for organization_id, as_of, model_version_id in rows.iterator():
        if organization_id in seen:
            continue
        seen.add(organization_id)
        CurrentScores.objects.create(
            organization_id=organization_id, as_of=as_of, model_version_id=model_version_id
        )


def flags_from_pointers(apps, schema_editor):
    DealScore = apps.get_model("forecasting", "DealScore")
    CurrentScores = apps.get_model("forecasting", "CurrentScores")
    DealScore.objects.update(is_current=False)
    for pointer in CurrentScores.objects.all():
        DealScore.objects.filter(
            organization_id=pointer.organization_id,
            as_of=pointer.as_of,
            model_version_id=pointer.model_version_id,
        ).update(is_current=True)


class Migration(migrations.Migration):

    dependencies = [
        ('forecasting', '0002_narrative_rephrase'),
        ('revops', '0014_salesforce_sync_objects'),
    ]

    operations = [
        migrations.CreateModel(
            name='CurrentScores',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, editable=False)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('as_of', models.DateField()),
                ('model_version', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='forecasting.modelversion')),
                ('organization', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='revops.organization')),
            ],
            options={
                'verbose_name_plural': 'current scores',
                'ordering': ['organization'],
                'constraints': [models.UniqueConstraint(fields=('organization',), name='currentscores_one_per_organization')],
            },
        ),
        migrations.RunPython(pointers_from_flags, flags_from_pointers),
        migrations.RemoveIndex(
            model_name='dealscore',
            name='dealscore_org_current',
        ),
        migrations.RemoveIndex(
            model_name='dealscore',
            name='dealscore_opp_day',
        ),
        migrations.RemoveField(
            model_name='dealscore',
            name='is_current',
        ),
        migrations.AlterField(
            model_name='dealscore',
            name='opportunity',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='revops.opportunity'),
        ),
        migrations.AlterField(
            model_name='dealscore',
            name='organization',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='revops.organization'),
        ),
        migrations.AddIndex(
            model_name='dealscore',
            index=models.Index(fields=['organization', 'as_of', 'model_version', 'risk'], name='dealscore_org_run'),
        ),
    ]

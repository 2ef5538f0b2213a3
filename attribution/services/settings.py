"""Per-organization attribution settings: read (created on first use) and update (audited)."""

from __future__ import annotations

from typing import Any, NamedTuple

from django.db import transaction

from attribution.models import AttributionSettings
from attribution.models.settings import DefaultSplits
from attribution.selectors.settings import settings_state
from attribution.services.alignment import ledger_alignment_for_settings
from revops.models import JobRun, Organization
from revops.services.crm import record_update


class SettingsSaved(NamedTuple):
    """The saved settings and the ledger alignment the change queued (None when no split can
    move: nothing changed, or only how a number is written)."""

    settings: AttributionSettings
    job: JobRun | None


def attribution_settings_get(*, organization: Organization) -> AttributionSettings:
    settings, _ = AttributionSettings.objects.get_or_create(organization=organization)
    return settings


@transaction.atomic
def attribution_settings_update(*, organization: Organization, actor, data: dict[str, Any]) -> SettingsSaved:
    """Change the organization's settings, audited with before/after. When the change can move
    a split (a default, the SI mode, the account cap) the ledger alignment is queued, so the
    ledger follows what the deal page explains.

    Default splits equal in value to the saved ones (10 and 10.00) are not a change: nothing is
    written or audited for them."""
    settings = AttributionSettings.objects.select_for_update().filter(organization=organization).first()
    settings = settings or attribution_settings_get(organization=organization)
    if "default_splits" in data and DefaultSplits.load(data["default_splits"]) == settings.defaults:
        data = {name: value for name, value in data.items() if name != "default_splits"}
    before = settings_state(settings)
    settings = record_update(instance=settings, actor=actor, data=data)
    job = None
    if settings_state(settings) != before:
        job = ledger_alignment_for_settings(organization=organization, actor=actor)
    return SettingsSaved(settings, job)

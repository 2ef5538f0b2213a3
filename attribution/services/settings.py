"""Per-organization attribution settings: read (created on first use) and update (audited)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from attribution.models import AttributionSettings
from attribution.selectors.settings import settings_state
from attribution.services.alignment import ledger_alignment_for_settings
from revops.models import Organization
from revops.services.crm import record_update


def attribution_settings_get(*, organization: Organization) -> AttributionSettings:
    settings, _ = AttributionSettings.objects.get_or_create(organization=organization)
    return settings


@transaction.atomic
def attribution_settings_update(
    *, organization: Organization, actor, data: dict[str, Any]
) -> AttributionSettings:
    """Change the organization's settings, audited with before/after. When the change can move
    a split (a default, the SI mode, the account cap) the ledger alignment is queued, so the
    ledger follows what the deal page explains."""
    settings = AttributionSettings.objects.select_for_update().filter(organization=organization).first()
    settings = settings or attribution_settings_get(organization=organization)
    before = settings_state(settings)
    settings = record_update(instance=settings, actor=actor, data=data)
    if settings_state(settings) != before:
        ledger_alignment_for_settings(organization=organization, actor=actor)
    return settings

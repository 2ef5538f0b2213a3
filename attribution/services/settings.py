"""Per-organization attribution settings: read (created on first use) and update (audited)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from attribution.models import AttributionSettings
from attribution.permissions import AttributionCap
from revops.models import Membership, Organization
from revops.permissions import has_cap
from revops.services.crm import record_update


def attribution_settings_get(*, organization: Organization) -> AttributionSettings:
    settings, _ = AttributionSettings.objects.get_or_create(organization=organization)
    return settings


@transaction.atomic
def attribution_settings_update(*, membership: Membership, data: dict[str, Any]) -> AttributionSettings:
    """Change the organization's settings; only rule editors may. Audited with before/after."""
    if not has_cap(membership, AttributionCap.RULE_EDIT):
        raise PermissionDenied
    settings = attribution_settings_get(organization=membership.organization)
    return record_update(instance=settings, actor=membership.user, data=data)

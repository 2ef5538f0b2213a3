"""Program settings: one row per organization, created with the defaults on first use."""

from __future__ import annotations

from partners.models import ProgramSettings
from revops.models import Organization


def program_settings_get(*, organization: Organization) -> ProgramSettings:
    """The organization's program settings (created with the defaults when missing)."""
    settings, _ = ProgramSettings.objects.get_or_create(organization=organization)
    return settings

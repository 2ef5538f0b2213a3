"""Attribution settings reads: the organization's settings (defaults when none are saved)."""

from __future__ import annotations

from decimal import Decimal

from attribution.engine import EngineSettings, Role, SiMode
from attribution.models import AttributionSettings
from revops.models import Organization


def attribution_settings_of(*, organization: Organization) -> AttributionSettings:
    """The saved settings, or the defaults (unsaved) when the organization has none yet."""
    settings = AttributionSettings.objects.filter(organization=organization).first()
    return settings if settings is not None else AttributionSettings(organization=organization)


def engine_settings_from(settings: AttributionSettings) -> EngineSettings:
    defaults = settings.defaults
    return EngineSettings(
        enforce_account_cap=settings.enforce_account_cap,
        si_mode=SiMode(settings.si_mode),
        si_fixed_percent=settings.si_fixed_percent,
        default_percent_by_role={role: getattr(defaults, role) for role in Role},
    )


def engine_settings(organization: Organization) -> EngineSettings:
    """The split engine's settings for the organization."""
    return engine_settings_from(attribution_settings_of(organization=organization))


def settings_state(settings: AttributionSettings) -> dict:
    """The settings as plain JSON, the form the ledger alignment records and compares."""
    return {
        "enforce_account_cap": settings.enforce_account_cap,
        "si_mode": str(settings.si_mode),
        "si_fixed_percent": str(settings.si_fixed_percent),
        "defaults": settings.defaults.as_json(),
    }


def engine_settings_of_state(state: dict) -> EngineSettings:
    """The engine settings a recorded `settings_state` stands for."""
    return engine_settings_from(
        AttributionSettings(
            enforce_account_cap=state["enforce_account_cap"],
            si_mode=state["si_mode"],
            si_fixed_percent=Decimal(state["si_fixed_percent"]),
            default_splits=state["defaults"],
        )
    )

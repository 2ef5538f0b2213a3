from django.apps import AppConfig


class ForecastingConfig(AppConfig):
    name = "forecasting"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Forecasting's capabilities and record kinds join the core permission table.
        from forecasting.permissions import CAPABILITIES, SCOPES
        from revops.permissions import register_capabilities, register_record_kind

        register_capabilities(CAPABILITIES)
        for kind, scopes in SCOPES:
            register_record_kind(kind, scopes)

        # Calibrated win probabilities for the other apps (commissions, marketing).
        from forecasting.providers import latest_win_probabilities
        from revops.providers import register_provider

        register_provider("win_probability", latest_win_probabilities)

        # Job tasks by JobRun kind (train, score, snapshot) and the periodic ones.
        from forecasting import tasks  # noqa: F401
        from forecasting.schedule import register_schedule

        register_schedule()

        from forecasting.exports import register_exports

        register_exports()

        from forecasting.permissions import ForecastCap
        from revops.navigation import NavGroup, NavItem, register

        group = NavGroup.FORECAST
        register(NavItem("Deal risk", "forecasting:risk", ForecastCap.VIEW, group=group))
        register(NavItem("Forecast", "forecasting:forecast", ForecastCap.VIEW, group=group))
        register(NavItem("Win model", "forecasting:model", ForecastCap.VIEW, group=group))

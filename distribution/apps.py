"""Daily lead distribution: config-driven assignment strategies, dry runs, history."""

from django.apps import AppConfig


class DistributionConfig(AppConfig):
    name = "distribution"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Distribution's capabilities and record kinds join the core permission table.
        from distribution.permissions import CAPABILITIES, SCOPES
        from revops.permissions import register_capabilities, register_record_kind

        register_capabilities(CAPABILITIES)
        for kind, scopes in SCOPES:
            register_record_kind(kind, scopes)

        # Leads come in through the core's import framework (page, API, admin, command).
        from distribution.services.lead_import import LEAD_IMPORT
        from revops.imports.kinds import register_import_kind

        register_import_kind(LEAD_IMPORT)

        from distribution.models import RunMode, RunStatus
        from revops.labels import labels_register

        labels_register("distribution_run_mode", RunMode)
        labels_register("distribution_run_status", RunStatus)

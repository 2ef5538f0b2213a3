from django.apps import AppConfig


class CommissionsConfig(AppConfig):
    name = "commissions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Commissions' capabilities and record kinds join the core permission table.
        from commissions.permissions import CAPABILITIES, SCOPES
        from revops.permissions import register_capabilities, register_record_kind

        register_capabilities(CAPABILITIES)
        for kind, scopes in SCOPES:
            register_record_kind(kind, scopes)

        # Sales data comes in through the core's import framework (page, API, admin, command).
        from commissions.services.sales_import import SALES_IMPORT
        from revops.imports.kinds import register_import_kind

        register_import_kind(SALES_IMPORT)

        # The commission ledger on the core's ledger kit: writer, seals on period close,
        # verify_ledger --ledger commissions.
        from commissions.models.ledger import COMMISSION_LEDGER
        from revops.ledger import register_ledger

        register_ledger(COMMISSION_LEDGER)

        # Register the job tasks by JobRun kind, so services enqueue by kind.
        from commissions import tasks  # noqa: F401

from django.apps import AppConfig


class CommissionsConfig(AppConfig):
    name = "commissions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Commissions' capabilities and record kinds join the core permission table.
        from commissions.permissions import CAPABILITIES, SCOPES, CommissionCap
        from revops.permissions import register_capabilities, register_record_kind

        register_capabilities(CAPABILITIES)
        for kind, scopes in SCOPES:
            register_record_kind(kind, scopes)

        # Sales data comes in through the core's import framework (page, API, admin, command).
        from commissions.services.sales_import import SALES_IMPORT
        from revops.imports.kinds import register_import_kind

        register_import_kind(SALES_IMPORT)
        from commissions.services.objectives_import import OBJECTIVES_IMPORT

        register_import_kind(OBJECTIVES_IMPORT)
        from commissions.services.receipts_import import RECEIPTS_IMPORT

        register_import_kind(RECEIPTS_IMPORT)
        # The reps' other names and their territories, which sales and objectives files name.
        from commissions.services.reference_import import REP_ALIAS_IMPORT, TERRITORY_IMPORT

        register_import_kind(REP_ALIAS_IMPORT)
        register_import_kind(TERRITORY_IMPORT)

        # The commission ledger on the core's ledger kit: writer, seals on period close,
        # verify_ledger --ledger commissions.
        from commissions.models.ledger import COMMISSION_LEDGER
        from revops.ledger import register_ledger

        register_ledger(COMMISSION_LEDGER)

        # Register the job tasks by JobRun kind, so services enqueue by kind.
        from commissions import tasks  # noqa: F401

        # Statement statuses and tiers: their labels, and one colour each on badges and charts.
        from commissions.charts import register_palettes
        from commissions.models import DisputeKind, DisputeStatus, StatementStatus
        from revops.labels import labels_register

        labels_register("statement_status", StatementStatus)
        labels_register("dispute_status", DisputeStatus)
        labels_register("dispute_kind", DisputeKind)
        register_palettes()

        # Each rep's quota (their business objectives) for forecasting's attainment and coverage.
        from commissions.providers import objective_quotas
        from revops.providers import register_provider

        register_provider("quota", objective_quotas)

        from commissions.exports import register_exports

        register_exports()

        # The commission pages in the main menu; the rep dashboard first.
        from revops.navigation import NavGroup, NavItem, register

        group = NavGroup.COMMISSIONS
        register(NavItem("Commission dashboard", "commissions:dashboard", CommissionCap.VIEW, group=group))
        register(NavItem("Commission statements", "commissions:statements", CommissionCap.VIEW, group=group))
        register(NavItem("Commission disputes", "commissions:disputes", CommissionCap.VIEW, group=group))
        register(NavItem("Sales history", "commissions:sales", CommissionCap.VIEW, group=group))
        register(NavItem("Sales uploads", "commissions:uploads", CommissionCap.VIEW, group=group))
        register(NavItem("Objectives", "commissions:objectives", CommissionCap.VIEW, group=group))
        register(NavItem("Sales analysis", "commissions:analysis", CommissionCap.VIEW, group=group))
        register(NavItem("Plan simulator", "commissions:simulator", CommissionCap.PLAN_EDIT, group=group))
        register(NavItem("Invite a rep", "commissions:rep-invite", CommissionCap.PLAN_EDIT, group=group))

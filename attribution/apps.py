from django.apps import AppConfig


class AttributionConfig(AppConfig):
    name = "attribution"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Attribution's capabilities and record kinds join the core permission table.
        from attribution.permissions import CAPABILITIES, SCOPES, AttributionCap
        from revops.permissions import register_capabilities, register_record_kind

        register_capabilities(CAPABILITIES)
        for kind, scopes in SCOPES:
            register_record_kind(kind, scopes)

        # Register attribution's job tasks by JobRun kind, so services enqueue by kind.
        from attribution import tasks  # noqa: F401

        # Core must not import attribution, so attribution registers its period-close hook:
        # closing a period seals the ledger's chain head for that period.
        from attribution.services.periods import attribution_period_seal_hook
        from revops.services.periods import PERIOD_CLOSE_HOOKS

        if attribution_period_seal_hook not in PERIOD_CLOSE_HOOKS:
            PERIOD_CLOSE_HOOKS.append(attribution_period_seal_hook)

        # The partner-attribution pages in the main menu.
        from revops.navigation import NavGroup, NavItem, register

        partners = NavGroup.PARTNERS
        register(NavItem("Partner performance", "attribution:partners", AttributionCap.VIEW, group=partners))
        register(NavItem("Attribution ledger", "attribution:ledger", AttributionCap.VIEW, group=partners))
        register(NavItem("Attribution periods", "attribution:periods", AttributionCap.VIEW, group=partners))
        register(NavItem("Attribution rules", "attribution:rules", AttributionCap.VIEW, group=partners))

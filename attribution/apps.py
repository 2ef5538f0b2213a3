from django.apps import AppConfig


class AttributionConfig(AppConfig):
    name = "attribution"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Register attribution's job tasks by JobRun kind, so services enqueue by kind.
        from attribution import tasks  # noqa: F401

        # The attribution ledger on the core's ledger kit: writer, seals on period close,
        # verify_ledger (core must not import attribution, so attribution registers it).
        from attribution.models.ledger import ATTRIBUTION_LEDGER
        from revops.ledger import register_ledger

        register_ledger(ATTRIBUTION_LEDGER)

        # The partner-attribution pages in the main menu.
        from revops.navigation import NavGroup, NavItem, register
        from revops.permissions import Cap

        partners = NavGroup.PARTNERS
        register(NavItem("Partner performance", "attribution:partners", Cap.ATTRIBUTION_VIEW, group=partners))
        register(NavItem("Attribution ledger", "attribution:ledger", Cap.ATTRIBUTION_VIEW, group=partners))
        register(NavItem("Attribution periods", "attribution:periods", Cap.ATTRIBUTION_VIEW, group=partners))
        register(NavItem("Attribution rules", "attribution:rules", Cap.ATTRIBUTION_VIEW, group=partners))

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

        # Its panels on the core's account, partner and deal pages, and its choice labels.
        from attribution.panels import register_panels

        register_panels()

        # Partner roles get one colour in every chart (tiers and stages are the core's).
        from attribution.charts import register_palettes

        register_palettes()

        from attribution.exports import register_exports

        register_exports()

        # Its reports (PDF and Excel, scheduled by e-mail) in the core report kit.
        from attribution.reports import register_reports

        register_reports()

        # The attribution ledger on the core's ledger kit: writer, seals on period close,
        # verify_ledger (core must not import attribution, so attribution registers it).
        from attribution.models.ledger import ATTRIBUTION_LEDGER
        from revops.ledger import register_ledger

        register_ledger(ATTRIBUTION_LEDGER)

        # Partner tier/types, deal stage/amount/line and account segment/region feed the split
        # engine: a change to one queues the ledger alignment of the accounts it reaches.
        from attribution.services.alignment import ledger_alignment_for_record_change
        from revops.services.crm import RECORD_CHANGE_HOOKS

        if ledger_alignment_for_record_change not in RECORD_CHANGE_HOOKS:
            RECORD_CHANGE_HOOKS.append(ledger_alignment_for_record_change)

        # Revenue events come in through the core's import framework (page, API, command).
        from attribution.services.revenue import REVENUE_EVENT_IMPORT
        from revops.imports.kinds import register_import_kind

        register_import_kind(REVENUE_EVENT_IMPORT)
        # Deal–partner links and account–partner splits, written through the link services.
        from attribution.services.link_import import ACCOUNT_SPLIT_IMPORT, DEAL_LINK_IMPORT

        register_import_kind(DEAL_LINK_IMPORT)
        register_import_kind(ACCOUNT_SPLIT_IMPORT)

        # The Salesforce sync writes OpportunityPartner records as deal–partner links through
        # the link services, and its push-back reads partner results per deal and period.
        from attribution.selectors.period_results import attribution_results_for_period
        from attribution.services.crm_links import crm_partner_links_apply
        from revops.providers import register_provider

        register_provider("crm_partner_links", crm_partner_links_apply)
        register_provider("attribution_results", attribution_results_for_period)

        # The partner-attribution pages in the main menu.
        from revops.navigation import NavGroup, NavItem, register

        partners = NavGroup.PARTNERS
        register(NavItem("Partner performance", "attribution:partners", AttributionCap.VIEW, group=partners))
        register(NavItem("Attribution ledger", "attribution:ledger", AttributionCap.VIEW, group=partners))
        register(NavItem("Attribution periods", "attribution:periods", AttributionCap.VIEW, group=partners))
        register(NavItem("Attribution rules", "attribution:rules", AttributionCap.VIEW, group=partners))
        register(
            NavItem(
                "Attribution settings", "attribution:settings", AttributionCap.SETTINGS_EDIT, group=partners
            )
        )

from django.apps import AppConfig


class MarketingConfig(AppConfig):
    name = "attribution.marketing"
    label = "marketing"
    verbose_name = "Marketing attribution"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Marketing's capabilities and record kinds join the core permission table.
        from attribution.marketing.permissions import CAPABILITIES, SCOPES, MarketingCap
        from revops.permissions import register_capabilities, register_record_kind

        register_capabilities(CAPABILITIES)
        for kind, scopes in SCOPES:
            register_record_kind(kind, scopes)

        # Touchpoints come in through the core's import framework (page, API, admin, command).
        # Aggregated paths (ChannelAttribution's format) and the channels touches name come in
        # the same way.
        from attribution.marketing.services.channel_import import CHANNEL_IMPORT
        from attribution.marketing.services.path_import import PATH_IMPORT
        from attribution.marketing.services.touch_import import TOUCHPOINT_IMPORT
        from revops.imports.kinds import register_import_kind

        register_import_kind(TOUCHPOINT_IMPORT)
        register_import_kind(PATH_IMPORT)
        register_import_kind(CHANNEL_IMPORT)

        # Register the job task by JobRun kind, so services enqueue by kind.
        from attribution.marketing import tasks  # noqa: F401

        # Scheduled configurations start from one nightly beat entry.
        from attribution.marketing.schedule import register_schedule

        register_schedule()

        # Forecasting and the deal page read touch counts per opportunity through the core.
        from attribution.marketing.selectors.touches import touch_summary
        from revops.providers import register_provider

        register_provider("touch_summary", touch_summary)

        # The Salesforce sync's campaigns (also stored by lead distribution) and campaign
        # members become marketing campaigns and touches here.
        from attribution.marketing.services.salesforce_records import (
            salesforce_campaign_members_upsert,
            salesforce_marketing_campaigns_upsert,
        )

        register_provider("crm_marketing_campaigns_upsert", salesforce_marketing_campaigns_upsert)
        register_provider("crm_campaign_members_upsert", salesforce_campaign_members_upsert)

        from attribution.marketing.exports import register_exports

        register_exports()

        from attribution.marketing.demo import register_demo

        register_demo()

        # The marketing pages in the main menu; model comparison first.
        from revops.navigation import NavGroup, NavItem, register

        group = NavGroup.MARKETING
        register(NavItem("Model comparison", "marketing:comparison", MarketingCap.VIEW, group=group))
        register(NavItem("Channel performance", "marketing:channels", MarketingCap.VIEW, group=group))
        register(NavItem("Attribution runs", "marketing:runs", MarketingCap.VIEW, group=group))
        register(NavItem("Journeys", "marketing:journeys", MarketingCap.JOURNEYS, group=group))
        register(NavItem("Path sets", "marketing:path-sets", MarketingCap.VIEW, group=group))
        register(NavItem("Scheduled runs", "marketing:schedules", MarketingCap.VIEW, group=group))

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

        # The Salesforce sync's leads and campaigns are stored here.
        from distribution.services.salesforce_records import (
            salesforce_campaigns_upsert,
            salesforce_leads_upsert,
        )
        from revops.providers import register_provider

        register_provider("crm_leads_upsert", salesforce_leads_upsert)
        register_provider("crm_campaigns_upsert", salesforce_campaigns_upsert)

        # Register the job tasks by JobRun kind, so services enqueue by kind.
        from distribution import tasks  # noqa: F401

        # The daily run: the beat asks every hour, each organization's configs run at its local
        # DAILY_HOUR (the organization's time zone), once per local day.
        from revops.schedule import PeriodicEntry, register

        register(
            PeriodicEntry(
                name="distribution: queue daily runs",
                task="distribution.tasks.queue_daily_distributions_task",
                # https://crontab.guru/#5_*_*_*_* — "At minute 5 past every hour" (UTC).
                crontab={
                    "minute": "5",
                    "hour": "*",
                    "day_of_week": "*",
                    "day_of_month": "*",
                    "month_of_year": "*",
                },
                expire_seconds=55 * 60,
                description="Queue the daily distribution of every active configuration at its organization's hour.",
            )
        )

        from distribution.models import RunMode, RunStatus
        from revops.labels import labels_register

        labels_register("distribution_run_mode", RunMode)
        labels_register("distribution_run_status", RunStatus)

        # The lead pages in the main menu: every internal role sees leads (a rep: their own);
        # configurations, runs and fairness are for those who run distributions.
        from distribution.permissions import DistributionCap
        from revops.navigation import NavGroup, NavItem
        from revops.navigation import register as nav_register

        group = NavGroup.LEADS
        nav_register(NavItem("Leads", "distribution:leads", DistributionCap.VIEW, group=group))
        nav_register(
            NavItem("Distribution configs", "distribution:configs", DistributionCap.RUN, group=group)
        )
        nav_register(NavItem("Salespeople", "distribution:profiles", DistributionCap.RUN, group=group))
        nav_register(NavItem("Distribution runs", "distribution:runs", DistributionCap.RUN, group=group))
        nav_register(
            NavItem("Distribution fairness", "distribution:fairness", DistributionCap.RUN, group=group)
        )

"""Partner program: portal, deal registration, approvals, disputes, partner analytics."""

from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The program's capabilities and record kinds join the core permission table.
        from partners.permissions import CAPABILITIES, SCOPES, PartnerCap
        from revops.permissions import register_capabilities, register_record_kind

        register_capabilities(CAPABILITIES)
        for kind, scopes in SCOPES:
            register_record_kind(kind, scopes)

        # Partner users download their statement (Cap.EXPORT with Cap.PORTAL: the portal's only).
        from revops.models import Role
        from revops.permissions import Cap

        register_capabilities({Role.PARTNER: {Cap.EXPORT}})

        # Approved touchpoints enter marketing journeys; large split changes wait for approval.
        from partners.providers import approved_partner_touches
        from partners.services.split_changes import split_change_review
        from revops.providers import register_provider

        register_provider("partner_touches", approved_partner_touches)
        register_provider("split_change_review", split_change_review)

        from partners.exports import register_exports

        register_exports()

        # Registration statuses: their labels on badges and tables.
        from partners.models import RegistrationStatus
        from revops.labels import labels_register

        labels_register("registration_status", RegistrationStatus)
        from partners.models import ActivityType, ApprovalKind, ApprovalStatus

        labels_register("approval_status", ApprovalStatus)
        labels_register("approval_kind", ApprovalKind)
        labels_register("activity_type", ActivityType)

        # Daily expiry of protection windows (with notice ahead), hourly SLA escalation.
        from partners import tasks  # noqa: F401
        from revops.schedule import PeriodicEntry, register

        register(
            PeriodicEntry(
                name="partners: expire deal registrations",
                task="partners.tasks.expire_registrations_task",
                # https://crontab.guru/#30_2_*_*_* — "At 02:30 every day" (UTC).
                crontab={
                    "minute": "30",
                    "hour": "2",
                    "day_of_week": "*",
                    "day_of_month": "*",
                    "month_of_year": "*",
                },
                expire_seconds=6 * 3600,
                description="End the protection of registrations past their window; warn partners ahead.",
            )
        )
        register(
            PeriodicEntry(
                name="partners: escalate overdue approvals",
                task="partners.tasks.escalate_registrations_task",
                # https://crontab.guru/#5_*_*_*_* — "At minute 5 of every hour".
                crontab={
                    "minute": "5",
                    "hour": "*",
                    "day_of_week": "*",
                    "day_of_month": "*",
                    "month_of_year": "*",
                },
                expire_seconds=50 * 60,
                description="Mark approval steps past their SLA and tell their escalation target.",
            )
        )

        register(
            PeriodicEntry(
                name="partners: recompute tiers, health and alerts",
                task="partners.tasks.recompute_program_everywhere_task",
                # https://crontab.guru/#15_3_*_*_* — "At 03:15 every day" (UTC), after the expiry run.
                crontab={
                    "minute": "15",
                    "hour": "3",
                    "day_of_week": "*",
                    "day_of_month": "*",
                    "month_of_year": "*",
                },
                expire_seconds=6 * 3600,
                description="Queue each organization's partner program recompute (tiers, health, alerts).",
            )
        )

        # Tier changes and alerts: their labels on badges and tables.
        from partners.models import AlertKind, TierChangeStatus

        labels_register("tier_change_status", TierChangeStatus)
        labels_register("partner_alert_kind", AlertKind)

        # The approval queue in the main menu (partner users have the portal instead).
        from revops.navigation import NavGroup, NavItem
        from revops.navigation import register as nav_register

        nav_register(
            NavItem("Deal registrations", "partners:queue", PartnerCap.APPROVE, group=NavGroup.PARTNERS)
        )
        nav_register(
            NavItem("Registration links", "partners:links", PartnerCap.LINK_MANAGE, group=NavGroup.PARTNERS)
        )
        nav_register(
            NavItem("Partner disputes", "partners:disputes", PartnerCap.DISPUTE_VIEW, group=NavGroup.PARTNERS)
        )
        nav_register(
            NavItem("Partner program", "partners:program", PartnerCap.PROGRAM_VIEW, group=NavGroup.PARTNERS)
        )
        nav_register(
            NavItem(
                "Partner analytics", "partners:analytics", PartnerCap.ANALYTICS_VIEW, group=NavGroup.PARTNERS
            )
        )

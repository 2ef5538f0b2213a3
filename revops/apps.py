from django.apps import AppConfig


class RevopsConfig(AppConfig):
    name = "revops"
    verbose_name = "revops core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A password reset (proof of owning the e-mail) lifts that e-mail's sign-in lockouts.
        from allauth.account.signals import password_reset

        from revops.auth import lockout_clear_on_password_reset

        password_reset.connect(lockout_clear_on_password_reset, dispatch_uid="revops_lockout_clear")

        # Deactivating a user (or a membership) ends their sessions and API tokens at once.
        from django.db.models.signals import post_save, pre_save

        from revops.models import Membership, User
        from revops.services import access

        pre_save.connect(access.user_deactivation_watch, sender=User, dispatch_uid="revops_user_watch")
        post_save.connect(access.user_deactivated, sender=User, dispatch_uid="revops_user_end")
        pre_save.connect(
            access.membership_deactivation_watch, sender=Membership, dispatch_uid="revops_member_watch"
        )
        post_save.connect(access.membership_deactivated, sender=Membership, dispatch_uid="revops_member_end")

        # Closing a period seals every registered ledger (apps register theirs in ready()).
        from revops.ledger.seal import ledgers_period_seal_hook
        from revops.services.periods import PERIOD_CLOSE_HOOKS

        if ledgers_period_seal_hook not in PERIOD_CLOSE_HOOKS:
            PERIOD_CLOSE_HOOKS.append(ledgers_period_seal_hook)
        # ... then sign the chain heads and write them outside the database.
        from revops.ledger.heads import ledgers_heads_export_hook

        if ledgers_heads_export_hook not in PERIOD_CLOSE_HOOKS:
            PERIOD_CLOSE_HOOKS.append(ledgers_heads_export_hook)

        from revops.imports.kinds import register_import_kind
        from revops.labels import register_core_labels
        from revops.links import register_core_links
        from revops.palette import register_core_palettes
        from revops.services.opportunity_import import OPPORTUNITY_IMPORT
        from revops.services.record_import import RECORD_IMPORTS

        register_core_labels()
        register_core_links()
        register_core_palettes()
        # The core's own import kind; domain apps register theirs the same way.
        register_import_kind(OPPORTUNITY_IMPORT)
        for kind in RECORD_IMPORTS:
            register_import_kind(kind)

        from revops.export_specs import register_core_exports

        register_core_exports()

        # Register the core's job tasks by JobRun kind, so services enqueue by kind.
        from revops import tasks  # noqa: F401

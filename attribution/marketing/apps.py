from django.apps import AppConfig


class MarketingConfig(AppConfig):
    name = "attribution.marketing"
    label = "marketing"
    verbose_name = "Marketing attribution"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Marketing's capabilities and record kinds join the core permission table.
        from attribution.marketing.permissions import CAPABILITIES, SCOPES
        from revops.permissions import register_capabilities, register_record_kind

        register_capabilities(CAPABILITIES)
        for kind, scopes in SCOPES:
            register_record_kind(kind, scopes)

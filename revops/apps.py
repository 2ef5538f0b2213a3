from django.apps import AppConfig


class RevopsConfig(AppConfig):
    name = "revops"
    verbose_name = "revops core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from revops.labels import register_core_labels
        from revops.links import register_core_links

        register_core_labels()
        register_core_links()

        from revops.export_specs import register_core_exports

        register_core_exports()

        # Register the core's job tasks by JobRun kind, so services enqueue by kind.
        from revops import tasks  # noqa: F401

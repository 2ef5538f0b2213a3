from django.apps import AppConfig


class LedgerKitTestConfig(AppConfig):
    """A ledger that exists only in the test suite, to prove the kit gives every guarantee."""

    name = "tests.ledger_kit"
    label = "ledger_kit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from revops.ledger import register_ledger
        from tests.ledger_kit.models import TEST_LEDGER

        register_ledger(TEST_LEDGER)

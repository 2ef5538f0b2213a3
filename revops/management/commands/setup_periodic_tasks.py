"""Create or update the scheduled jobs in django-celery-beat (idempotent)."""

from django.core.management.base import BaseCommand

from revops.schedule import periodic_tasks_sync


class Command(BaseCommand):
    help = "Create or update the scheduled jobs in django-celery-beat (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Show what would change; write nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        for name, state in periodic_tasks_sync(dry_run=dry_run):
            self.stdout.write(f"{state:9} {name}")
        if dry_run:
            self.stdout.write("dry run: nothing written")

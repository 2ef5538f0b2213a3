"""manage.py demo_logins: print who can sign in to the demo."""

from django.core.management.base import BaseCommand

from revops.demo import demo_logins_text


class Command(BaseCommand):
    help = "Print the demo logins and their password."

    def handle(self, *args, **options):
        self.stdout.write(demo_logins_text())

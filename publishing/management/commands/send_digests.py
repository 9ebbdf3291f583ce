from django.core.management.base import BaseCommand

from publishing.approval import digests_send


class Command(BaseCommand):
    help = "Email reviewers the posts awaiting their approval, per each account's digest cadence."

    def handle(self, *args, **options):
        self.stdout.write(f"sent {digests_send()} digest(s)")

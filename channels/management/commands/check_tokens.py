from django.core.management.base import BaseCommand

from channels.lifecycle import tokens_check


class Command(BaseCommand):
    help = (
        "Refresh tokens ahead of expiry, email 3-day expiry warnings, disconnect expired channels."
    )

    def handle(self, *args, **options):
        result = tokens_check()
        self.stdout.write(
            f"refreshed {result.refreshed}, refresh failed {result.refresh_failed}, "
            f"warned {result.warned}, expired {result.expired}"
        )

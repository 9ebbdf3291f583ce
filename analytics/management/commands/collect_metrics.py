from django.core.management.base import BaseCommand, CommandError

from analytics.services import metrics_collect


class Command(BaseCommand):
    help = "Read the metrics of posts whose 1 h, 24 h or 7 d collection is due."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=5000, help="At most this many reads.")

    def handle(self, *args, limit: int, **options):
        if limit < 1:
            raise CommandError("--limit must be a positive number.")
        result = metrics_collect(limit=limit)
        self.stdout.write(
            f"collected {result.collected}, failed {result.failed}, api calls {result.api_calls}"
        )

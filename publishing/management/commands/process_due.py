from django.core.management.base import BaseCommand, CommandError

from publishing.dispatch import dispatch_due


class Command(BaseCommand):
    help = "Claim every due scheduled target and publish it now, in this process."

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit", type=int, default=None, help="Claim at most this many targets."
        )

    def handle(self, *args, limit: int | None, **options):
        if limit is not None and limit < 1:
            raise CommandError("--limit must be a positive number.")
        result = dispatch_due(limit=limit)
        self.stdout.write(
            f"claimed {result.claimed}: published {result.published}, retrying {result.retrying}, "
            f"failed {result.failed}, held {result.held}"
        )

from django.core.management.base import BaseCommand, CommandError

from accounts.models import ClientAccount
from scheduling.services import slots_compute


class Command(BaseCommand):
    help = "Plan every profile's publishing slots over its account's horizon (default 14 days)."

    def add_arguments(self, parser):
        parser.add_argument("--account", help="Only this account slug.")

    def handle(self, *args, account: str | None, **options):
        accounts = ClientAccount.objects.all()
        if account:
            accounts = accounts.filter(slug=account)
            if not accounts.exists():
                raise CommandError(f"No client account with slug {account!r}.")
        result = slots_compute(accounts=list(accounts))
        self.stdout.write(
            f"created {result.created}, removed {result.removed}, released {result.released}"
        )

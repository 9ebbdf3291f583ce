from django.core.management.base import BaseCommand, CommandError

from accounts.models import ClientAccount
from accounts.services import api_token_create


class Command(BaseCommand):
    help = "Create a JSON API Bearer token for the account SLUG; prints it once."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The client account slug (create_account prints it).")
        parser.add_argument("--name", default="api", help="A label to recognise the token by.")

    def handle(self, *args, slug: str, name: str, **options):
        account = ClientAccount.objects.filter(slug=slug).first()
        if account is None:
            raise CommandError(f"No client account with slug {slug!r}.")
        _, raw = api_token_create(account=account, name=name[:100])
        self.stdout.write(raw)

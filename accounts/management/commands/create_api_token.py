from django.core.management.base import BaseCommand, CommandError

from accounts.models import ClientAccount
from accounts.services import api_token_create


class Command(BaseCommand):
    help = "Create a JSON API Bearer token for the account SLUG; prints it once."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The client account slug (create_account prints it).")
        parser.add_argument("--name", default="api", help="A label to recognise the token by.")
        parser.add_argument(
            "--role",
            default="marketer",
            choices=["admin", "marketer", "reviewer"],
            help="marketer (default) creates and schedules; reviewer and admin may also approve.",
        )

    def handle(self, *args, slug: str, name: str, role: str, **options):
        account = ClientAccount.objects.filter(slug=slug).first()
        if account is None:
            raise CommandError(f"No client account with slug {slug!r}.")
        _, raw = api_token_create(account=account, name=name[:100], role=role)
        self.stdout.write(raw)

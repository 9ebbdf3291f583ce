from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from accounts.services import account_create, user_get_or_create


class Command(BaseCommand):
    help = "Create a client account owned by EMAIL (created if needed); prints the account slug."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The account (brand/workspace) name.")
        parser.add_argument("--owner", required=True, help="The owner's email address.")
        parser.add_argument("--timezone", default="UTC", help="IANA time zone, e.g. Europe/London.")
        parser.add_argument(
            "--enable-publishing",
            action="store_true",
            help="Switch the social publishing module on for this account.",
        )

    def handle(self, *args, name: str, owner: str, timezone: str, **options):
        try:
            validate_email(owner)
        except ValidationError:
            raise CommandError(f"--owner: {owner!r} is not an email address.") from None
        if not name.strip():
            raise CommandError("name: give the account a name.")
        user, _ = user_get_or_create(email=owner)
        try:
            account = account_create(name=name, owner=user, timezone_name=timezone)
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from None
        if options["enable_publishing"]:
            account.publishing_enabled = True
            account.save(update_fields=["publishing_enabled"])
        self.stdout.write(account.slug)

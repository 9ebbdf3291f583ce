import secrets

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import ClientAccount, Organisation, User
from accounts.services import account_create

DEMO_EMAIL = "demo@example.com"


class Command(BaseCommand):
    help = "Create the demo organisation, client account and login once; print the login once."

    @transaction.atomic
    def handle(self, *args, **options):
        if User.objects.filter(email=DEMO_EMAIL).exists():
            self.stdout.write(
                f"Demo login exists: {DEMO_EMAIL} (its password was printed on the first run; "
                f"set a new one with: .venv/bin/python manage.py changepassword {DEMO_EMAIL})"
            )
            return
        password = secrets.token_urlsafe(12)
        user = User.objects.create_user(
            email=DEMO_EMAIL, password=password, is_staff=True, is_superuser=True
        )
        organisation = Organisation.objects.create(name="Demo Agency", slug="demo-agency")
        account = account_create(name="Demo Brand", owner=user, organisation=organisation)
        ClientAccount.objects.filter(pk=account.pk).update(publishing_enabled=True)
        self.stdout.write(
            "\n".join(
                [
                    "",
                    "  Demo login (shown once):",
                    f"    email:    {DEMO_EMAIL}",
                    f"    password: {password}",
                    f"  Client account: {account.name} (slug {account.slug})",
                    "",
                ]
            )
        )

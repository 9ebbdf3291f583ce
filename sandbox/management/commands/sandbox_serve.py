from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sandbox.services import SandboxDown, sandboxes_serve


class Command(BaseCommand):
    help = (
        "Serve the sandbox platforms (fake Instagram, Facebook, TikTok, …) on "
        "SOCIALDIST_SANDBOX_PORT and up until stopped; `make run` starts it. Does nothing when "
        "sandbox mode is off."
    )

    def handle(self, *args, **options):
        if not settings.SOCIALDIST_SANDBOX:
            self.stdout.write("Sandbox mode is off: no sandbox platforms to serve.")
            return
        try:
            sandboxes_serve(stdout=self.stdout)
        except SandboxDown as exc:
            raise CommandError(str(exc)) from None
        except KeyboardInterrupt:
            pass

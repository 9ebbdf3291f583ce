from django.core.management.base import BaseCommand, CommandError

from sandbox.services import SandboxOff, sandbox_metrics_collect


class Command(BaseCommand):
    help = (
        "Sandbox mode only: make every metric read of posts published on sandbox profiles due "
        "now and collect them, so the Reports page shows figures without waiting a week."
    )

    def handle(self, *args, **options):
        try:
            result = sandbox_metrics_collect()
        except SandboxOff as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Collected {result.collected} sandbox metric reads ({result.failed} failed); "
            "open Reports to see them."
        )

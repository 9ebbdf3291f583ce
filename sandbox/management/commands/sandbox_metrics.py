from django.core.management.base import BaseCommand, CommandError

from sandbox.services import SandboxDown, SandboxOff, sandbox_time_passes


class Command(BaseCommand):
    help = (
        "Sandbox mode only: let a week pass for posts on sandbox profiles — drafts sent to a "
        "sandbox TikTok inbox are posted, and every metric read still to come is collected now — "
        "so the Reports page shows figures at once."
    )

    def handle(self, *args, **options):
        try:
            result = sandbox_time_passes()
        except (SandboxOff, SandboxDown) as exc:
            raise CommandError(str(exc)) from None
        metrics = result.metrics
        if result.from_drafts == 1:
            self.stdout.write("1 sandbox draft was posted by its creator.")
        elif result.from_drafts:
            self.stdout.write(f"{result.from_drafts} sandbox drafts were posted by their creator.")
        self.stdout.write(
            f"Collected {metrics.collected} sandbox metric reads ({metrics.failed} failed); "
            "open Reports to see them."
        )

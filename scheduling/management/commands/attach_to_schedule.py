from django.core.management.base import BaseCommand

from scheduling.services import schedule_tick


class Command(BaseCommand):
    help = "Give every pending target the next free slot of its profile; ask for missing content."

    def handle(self, *args, **options):
        result = schedule_tick()
        self.stdout.write(
            f"attached {result.attached}, waiting {result.waiting}, "
            f"content needed {result.content_needed}"
        )

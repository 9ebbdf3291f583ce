import json

from django.core.management.base import BaseCommand
from django_celery_beat.models import IntervalSchedule, PeriodicTask

# Every periodic task of socialdist: name -> (task, every N seconds). Idempotent to re-run.
PERIODIC_TASKS = {
    "Publish due posts": ("publishing.process_due", 60),
    "Deliver webhooks": ("publishing.deliver_webhooks", 60),
    "Check tokens": ("channels.check_tokens", 3600),
    "Check posts due soon": ("publishing.check_upcoming", 600),
    "Compute slots": ("scheduling.compute_slots", 6 * 3600),
    "Send approval digests": ("publishing.send_digests", 300),
    "Collect metrics": ("analytics.collect_metrics", 300),
    "Attach posts to the schedule": ("scheduling.attach_to_schedule", 300),
}


class Command(BaseCommand):
    help = "Register (or update) every periodic task in django-celery-beat's DatabaseScheduler."

    def handle(self, *args, **options):
        for name, (task, seconds) in PERIODIC_TASKS.items():
            interval, _ = IntervalSchedule.objects.get_or_create(
                every=seconds, period=IntervalSchedule.SECONDS
            )
            _, created = PeriodicTask.objects.update_or_create(
                name=name,
                defaults={"task": task, "interval": interval, "args": json.dumps([])},
            )
            self.stdout.write(f"{'created' if created else 'updated'}: {name} ({task}, {seconds}s)")

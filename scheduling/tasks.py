from celery import shared_task

from scheduling.services import schedule_tick, slots_compute


@shared_task(name="scheduling.compute_slots", ignore_result=True)
def compute_slots() -> int:
    return slots_compute().created


@shared_task(name="scheduling.attach_to_schedule", ignore_result=True)
def attach_to_schedule() -> int:
    return schedule_tick().attached

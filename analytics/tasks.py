from celery import shared_task

from analytics.services import metrics_collect


@shared_task(name="analytics.collect_metrics", ignore_result=True)
def collect_metrics() -> int:
    return metrics_collect().collected

from celery import shared_task

from channels.lifecycle import tokens_check
from channels.services import oauth_states_prune


@shared_task(name="channels.check_tokens", ignore_result=True)
def check_tokens() -> None:
    tokens_check()
    oauth_states_prune()

from django import template

from publishing.selectors import scheduler_health

register = template.Library()


@register.simple_tag
def scheduler_health_status():
    return scheduler_health()

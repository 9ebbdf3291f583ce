"""`{{ url|safe_href }}`: the URL when it is http(s) with a host, else "" (render no link).

Stored URLs come from API callers, platforms and people; a `javascript:` or `data:` URL must never
become a clickable link, whatever let it into the database.
"""

from django import template

from socialdist.validators import is_http_url

register = template.Library()


@register.filter
def safe_href(value) -> str:
    return value if is_http_url(value) else ""

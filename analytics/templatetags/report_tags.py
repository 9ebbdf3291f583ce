from django import template

register = template.Library()


@register.filter
def percent(rate: float | None) -> str:
    """An engagement rate (a fraction, 0.0697) as people read it: "7.0%"; none is a dash."""
    if rate is None:
        return "—"
    return f"{rate * 100:.1f}%"

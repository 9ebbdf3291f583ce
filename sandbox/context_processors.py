from django.conf import settings

from channels.providers import platform_name


def sandbox(request) -> dict:
    """`sandbox_mode` and the names it serves: base.html shows the Sandbox banner on every page
    while it is on."""
    if not settings.SOCIALDIST_SANDBOX:
        return {"sandbox_mode": False}
    names = [platform_name(slug) for slug in settings.SOCIALDIST_SANDBOX_PLATFORMS]
    listed = ", ".join(names[:-1]) + (f" and {names[-1]}" if len(names) > 1 else "".join(names))
    return {"sandbox_mode": True, "sandbox_platforms": listed}

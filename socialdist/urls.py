from django.conf import settings
from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path, re_path

from publishing.views import healthz, media_serve
from socialdist import dashboard
from socialdist.api import api


def favicon(request):
    # Pages link static/favicon.svg; this answers browsers and tools that ask /favicon.ico anyway.
    return redirect(static("favicon.svg"), permanent=True)


urlpatterns = [
    path("favicon.ico", favicon),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", api.urls),
    path("", include("channels.urls")),
    path("", include("publishing.urls")),
    path("", include("library.urls")),
    path("", include("scheduling.urls")),
    path("", include("analytics.urls")),
    path("", include(dashboard.urls)),
]

if settings.SERVE_MEDIA:
    # Signed, expiring media URLs (publishing/media.py): platforms fetch them at publish time.
    urlpatterns += [re_path(r"^media/(?P<path>.+)$", media_serve, name="media")]

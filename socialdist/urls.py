from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from publishing.views import healthz
from socialdist.api import api

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", api.urls),
    path("", include("channels.urls")),
    path("", include("publishing.urls")),
    path("", include("scheduling.urls")),
    path("", include("analytics.urls")),
    path("", include("accounts.urls")),
]

if settings.SERVE_MEDIA:
    # Platforms fetch media from PUBLIC_BASE_URL/media/…; a proxy or object store can take over.
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]

from django.urls import path

from channels import views

app_name = "channels"
urlpatterns = [
    path("a/<slug:slug>/channels/connect/<str:platform>/", views.connect, name="connect"),
    path("channels/callback/<str:platform>/", views.callback, name="callback"),
    path("a/<slug:slug>/channels/", views.channel_list, name="list"),
    path(
        "a/<slug:slug>/channels/<int:connection_id>/disconnect/",
        views.disconnect,
        name="disconnect",
    ),
    path(
        "a/<slug:slug>/channels/<int:connection_id>/refresh/",
        views.profiles_refresh,
        name="profiles_refresh",
    ),
    path(
        "a/<slug:slug>/channels/credentials/<str:platform>/",
        views.connect_credentials,
        name="connect_credentials",
    ),
    path(
        "a/<slug:slug>/channels/profiles/<int:profile_id>/options/",
        views.profile_options,
        name="profile_options",
    ),
    # Server-to-server: a platform slug, or a grant family (one callback for all its platforms).
    path("channels/<str:platform>/deauthorize/", views.deauthorize_callback, name="deauthorize"),
]

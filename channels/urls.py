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
        "a/<slug:slug>/channels/profiles/<int:profile_id>/tiktok/",
        views.tiktok_settings,
        name="tiktok_settings",
    ),
    path("channels/meta/deauthorize/", views.meta_deauthorize_callback, name="meta_deauthorize"),
]

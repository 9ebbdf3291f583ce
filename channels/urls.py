from django.urls import path

from channels import views

app_name = "channels"
urlpatterns = [
    path("a/<slug:slug>/channels/connect/<str:platform>/", views.connect, name="connect"),
    path("channels/callback/<str:platform>/", views.callback, name="callback"),
]

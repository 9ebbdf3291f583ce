from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.home, name="index"),
    path("a/<slug:slug>/", views.account_home, name="home"),
    path("a/<slug:slug>/settings/", views.account_settings, name="settings"),
]

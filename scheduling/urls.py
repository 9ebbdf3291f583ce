from django.urls import path

from scheduling import views

app_name = "scheduling"
urlpatterns = [
    path("a/<slug:slug>/schedule/", views.schedule_settings_view, name="settings"),
]

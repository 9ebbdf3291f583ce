from django.urls import path

from scheduling import views

app_name = "scheduling"
urlpatterns = [
    path("a/<slug:slug>/schedule/", views.schedule_settings_view, name="settings"),
    path("a/<slug:slug>/calendar/", views.calendar_view, name="calendar"),
    path("a/<slug:slug>/calendar/move/", views.calendar_move, name="move"),
    path(
        "a/<slug:slug>/calendar/move/<int:target_id>/",
        views.calendar_reschedule,
        name="reschedule",
    ),
]

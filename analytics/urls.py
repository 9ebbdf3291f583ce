from django.urls import path

from analytics import views

app_name = "analytics"
urlpatterns = [
    path("a/<slug:slug>/reports/", views.reports, name="reports"),
    path("a/<slug:slug>/reports/metrics.csv", views.reports_csv, name="csv"),
]

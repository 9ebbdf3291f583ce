from django.urls import path

from library import views

app_name = "library"
urlpatterns = [
    path("a/<slug:slug>/media/", views.library, name="library"),
    path("a/<slug:slug>/media/<int:asset_id>/", views.asset_detail, name="detail"),
    path("a/<slug:slug>/media/<int:asset_id>/delete/", views.asset_delete_view, name="delete"),
]

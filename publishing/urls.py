from django.urls import path

from publishing import views

app_name = "publishing"
urlpatterns = [
    path("a/<slug:slug>/posts/new/", views.post_new, name="new"),
    path("a/<slug:slug>/posts/<int:post_id>/", views.post_detail, name="detail"),
]

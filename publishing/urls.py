from django.urls import path

from publishing import lifecycle_views, views

app_name = "publishing"
urlpatterns = [
    path("a/<slug:slug>/posts/new/", views.post_new, name="new"),
    path("a/<slug:slug>/posts/<int:post_id>/", views.post_detail, name="detail"),
    path("a/<slug:slug>/posts/<int:post_id>/edit/", views.post_edit_view, name="edit"),
    path("a/<slug:slug>/posts/<int:post_id>/compose/", views.post_compose_edit, name="compose"),
    path("a/<slug:slug>/posts/check/", views.composer_check, name="check"),
    path("a/<slug:slug>/posts/media/", views.composer_upload, name="composer_upload"),
    path("a/<slug:slug>/manual/", views.manual_queue, name="manual"),
    path("a/<slug:slug>/queue/", views.queue, name="queue"),
    path("a/<slug:slug>/approvals/", views.approvals, name="approvals"),
    path(
        "a/<slug:slug>/posts/<int:post_id>/duplicate/",
        lifecycle_views.post_duplicate_view,
        name="duplicate",
    ),
    path(
        "a/<slug:slug>/posts/<int:post_id>/delete/",
        lifecycle_views.post_delete_view,
        name="delete",
    ),
    path(
        "a/<slug:slug>/targets/<int:target_id>/restore/",
        lifecycle_views.target_restore_view,
        name="restore",
    ),
    path(
        "a/<slug:slug>/posts/<int:post_id>/publish-without-article/",
        lifecycle_views.post_release_article_view,
        name="release_article_wait",
    ),
    path(
        "a/<slug:slug>/posts/<int:post_id>/<str:action>/",
        views.post_action,
        name="post_action",
    ),
    path("review/<str:token>/", views.review, name="review"),
    path(
        "a/<slug:slug>/targets/<int:target_id>/mark-posted/",
        views.target_mark_posted_view,
        name="mark_posted",
    ),
    path(
        "a/<slug:slug>/targets/<int:target_id>/settle/",
        views.target_settle_view,
        name="settle",
    ),
]

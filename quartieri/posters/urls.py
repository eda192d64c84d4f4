from __future__ import annotations

from django.urls import path

from quartieri.posters import views

app_name = "posters"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:campaign>/<slug:neighbourhood>/", views.design, name="design"),
    path(
        "<slug:campaign>/<slug:neighbourhood>/failures/<int:pk>/retry/",
        views.retry,
        name="retry",
    ),
    path(
        "<slug:campaign>/<slug:neighbourhood>/poster-<str:lang>.pdf",
        views.download,
        name="download",
    ),
    path(
        "<slug:campaign>/<slug:neighbourhood>/preview-<str:lang>.png", views.preview, name="preview"
    ),
]

from __future__ import annotations

from django.urls import path

from quartieri.minisites import views

app_name = "minisites"

urlpatterns = [
    path("sites/", views.index, name="index"),
    path("sites/<slug:slug>/build/", views.build, name="build"),
    path("sites/tours/<slug:slug>/photos/", views.tour_photos, name="tour_photos"),
    path("sites/<slug:slug>/preview/", views.preview, name="preview_root"),
    path("sites/<slug:slug>/preview/<path:path>", views.preview, name="preview"),
    # The built mini-sites, public (contract 5: /q/<neighbourhood>/<lang>/…).
    path("q/", views.public_site, name="public_root"),
    path("q/<path:path>", views.public_site, name="public"),
]

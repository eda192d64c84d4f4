from __future__ import annotations

from django.urls import path

from quartieri.analytics import views_public

app_name = "analytics"

urlpatterns = [
    # Public: answered in front of Django by edge.py under `quartieri serve`.
    path("l/<str:code>", views_public.redirect_view, name="redirect"),
    path("a/pv", views_public.beacon_view, name="beacon"),
]

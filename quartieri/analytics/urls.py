from __future__ import annotations

from django.urls import path

from quartieri.analytics import views, views_public

app_name = "analytics"

urlpatterns = [
    # Public: answered in front of Django by edge.py under `quartieri serve`.
    path("l/<str:code>", views_public.redirect_view, name="redirect"),
    path("a/pv", views_public.beacon_view, name="beacon"),
    # Staff.
    path("analytics/", views.index, name="index"),
    path("analytics/campaigns/<slug:slug>/", views.campaign_view, name="campaign"),
    path(
        "analytics/campaigns/<slug:slug>/tables/<slug:name>.csv",
        views.campaign_table_csv,
        name="campaign_csv",
    ),
    path("analytics/campaigns/<slug:slug>/report.pdf", views.campaign_pdf, name="campaign_pdf"),
    path(
        "analytics/campaigns/<slug:slug>/planner-feedback/",
        views.feedback_save,
        name="feedback_save",
    ),
    path("analytics/links/", views.links_view, name="links"),
    path("analytics/links/<str:code>/delete/", views.link_delete_view, name="link_delete"),
    path("analytics/links/<str:code>/qr.<str:kind>", views.link_qr, name="link_qr"),
    path("analytics/accounts/<int:pk>/", views.account_view, name="account"),
]

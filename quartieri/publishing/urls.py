from __future__ import annotations

from django.urls import path

from quartieri.publishing import views, views_oauth

app_name = "publishing"

urlpatterns = [
    path("", views.outbox_list_view, name="outbox"),
    path("<int:pk>/", views.outbox_entry_view, name="outbox_entry"),
    path("<int:pk>/retry/", views.outbox_retry_view, name="outbox_retry"),
    path("<int:pk>/reconcile/", views.outbox_reconcile_view, name="outbox_reconcile"),
    path("<int:pk>/found/", views.outbox_settle_view, {"answer": "found"}, name="settle_found"),
    path(
        "<int:pk>/missing/", views.outbox_settle_view, {"answer": "missing"}, name="settle_missing"
    ),
    path("variants/<int:variant_id>/", views.variant_outbox_view, name="variant_outbox"),
    path("health/", views.account_health_view, name="account_health"),
    path("sandbox/", views.sandbox_view, name="sandbox"),
    path("sandbox/<slug:platform>/<str:post_id>/", views.sandbox_post_view, name="sandbox_post"),
    # Connecting channel accounts (OAuth): views_oauth.py.
    path("connect/", views_oauth.connect_list_view, name="connect_list"),
    path("connect/<int:account_id>/", views_oauth.connect_account_view, name="connect_account"),
    path("connect/<int:account_id>/start/", views_oauth.connect_start_view, name="connect_start"),
    path("connect/<int:account_id>/page/", views_oauth.connect_page_view, name="connect_page"),
    # /publishing/connect/<login>/callback/: the address registered with each platform's
    # app (the kind's OAuthFlavour.login: tiktok, meta).
    path(
        "connect/<slug:login>/callback/",
        views_oauth.connect_callback_view,
        name="connect_callback",
    ),
]

from __future__ import annotations

from anymail import urls as anymail_urls
from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, URLResolver, include, path

from quartieri.newsletter import views, views_mailbox, views_staff

app_name = "newsletter"


def _public(patterns: list[URLPattern | URLResolver]) -> list[URLPattern | URLResolver]:
    """Provider webhooks come from the providers, without a session (anymail's own auth)."""
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = login_not_required(pattern.callback)
    return patterns


urlpatterns = [
    # Public (contract 1 and the links in every message).
    path("subscribe/", views.subscribe_view, name="subscribe"),
    path("consent/<slug:slug>/<str:language>.json", views.consent_json_view, name="consent_json"),
    path("confirm/<str:token>/", views.confirm_view, name="confirm"),
    path("u/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
    path("p/<str:token>/", views.preferences_view, name="preferences"),
    path("anymail/", include((_public(list(anymail_urls.urlpatterns)), "anymail"))),
    # Staff.
    path("", views_staff.issue_list_view, name="issue_list"),
    path("issues/compose/", views_staff.issue_compose_view, name="issue_compose"),
    path("issues/<int:pk>/", views_staff.issue_detail_view, name="issue_detail"),
    path("issues/<int:pk>/edit/", views_staff.issue_edit_view, name="issue_edit"),
    path("issues/<int:pk>/progress/", views_staff.issue_progress_view, name="issue_progress"),
    path(
        "issues/<int:pk>/preview/<str:language>/",
        views_staff.issue_preview_view,
        name="issue_preview",
    ),
    path(
        "issues/<int:pk>/resend-uncertain/",
        views_staff.issue_resend_uncertain_view,
        name="issue_resend_uncertain",
    ),
    path("issues/<int:pk>/<slug:action>/", views_staff.issue_action_view, name="issue_action"),
    path("subscribers/", views_staff.subscriber_list_view, name="subscriber_list"),
    path("subscribers/<int:pk>/", views_staff.subscriber_detail_view, name="subscriber_detail"),
    path(
        "subscribers/<int:pk>/access.json",
        views_staff.subscriber_access_view,
        name="subscriber_access",
    ),
    path("subscribers/<int:pk>/erase/", views_staff.subscriber_erase_view, name="subscriber_erase"),
    path("lists/<slug:slug>/export.csv", views_staff.list_export_view, name="list_export"),
    path("mailbox/", views_mailbox.mailbox_view, name="mailbox"),
    path("mailbox/<str:key>/", views_mailbox.mailbox_message_view, name="mailbox_message"),
    path("mailbox/<str:key>/html/", views_mailbox.mailbox_html_view, name="mailbox_html"),
]

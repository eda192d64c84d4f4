from __future__ import annotations

from django.urls import path

from quartieri.campaigns import (
    calendar,
    plan_link,
    views,
    views_edit,
    views_io,
    views_library,
    views_media,
    views_review,
)

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list_view, name="campaign_list"),
    # Fixed words first: services.RESERVED_SLUGS keeps campaigns from taking them as slugs.
    path("new/", views_edit.campaign_create_view, name="campaign_create"),
    path("items/<int:pk>/", views_edit.item_detail_view, name="item_detail"),
    path("items/<int:pk>/edit/", views_edit.item_update_view, name="item_update"),
    path("items/<int:pk>/generate/", views_edit.item_generate_view, name="item_generate"),
    path("items/<int:pk>/media/", views_media.content_item_media_view, name="content_item_media"),
    path("items/<int:pk>/media/upload/", views_media.media_upload_view, name="media_upload"),
    path("media/<int:pk>/variants/", views_media.media_variants_view, name="media_variants"),
    path("media/<int:pk>/captions.vtt", views_media.media_captions_view, name="media_captions"),
    path("media/<int:pk>/delete/", views_media.media_delete_view, name="media_delete"),
    path("media/<int:pk>/describe/", views_library.media_describe_view, name="media_describe"),
    path("variants/review/", views_review.review_queue_view, name="review_queue"),
    path("variants/review/bulk/", views_review.review_bulk_view, name="review_bulk"),
    # Before the workflow actions' <str:action>, which would otherwise take these words.
    path("variants/<int:pk>/edit/", views_edit.variant_edit_view, name="variant_edit"),
    path("variants/<int:pk>/review/", views_review.variant_review_view, name="variant_review"),
    path("variants/<int:pk>/comments/", views_review.variant_comment_view, name="variant_comment"),
    path("variants/<int:pk>/check/", views_review.variant_check_view, name="variant_check"),
    path("variants/<int:pk>/media/", views_library.variant_media_view, name="variant_media"),
    path("calendar/", calendar.calendar_view, name="calendar"),
    path("calendar/kinds.css", calendar.calendar_kinds_css_view, name="calendar_kinds_css"),
    path(
        "calendar/variants/<int:pk>/reschedule/",
        calendar.calendar_reschedule_view,
        name="calendar_reschedule",
    ),
    path("<slug:slug>/plan/", plan_link.campaign_plan_view, name="campaign_plan"),
    path("<slug:slug>/calendar.ics", views_io.campaign_ical_view, name="campaign_ical"),
    path("<slug:slug>/plan.csv", views_io.campaign_plan_csv_view, name="campaign_plan_csv"),
    path(
        "<slug:slug>/plan/import/",
        views_io.campaign_plan_import_view,
        name="campaign_plan_import",
    ),
    path("<slug:slug>/edit/", views_edit.campaign_update_view, name="campaign_update"),
    path("<slug:slug>/media/", views_library.media_library_view, name="media_library"),
    path("<slug:slug>/items/new/", views_edit.item_create_view, name="item_create"),
    path("<slug:slug>/", views.campaign_detail_view, name="campaign_detail"),
    path("variants/<int:pk>/<str:action>/", views.variant_action_view, name="variant_action"),
]

from __future__ import annotations

from django.urls import path

from quartieri.campaigns import calendar, plan_link, views, views_edit, views_io, views_media

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
    path("media/<int:pk>/delete/", views_media.media_delete_view, name="media_delete"),
    # Before the workflow actions' <str:action>, which would otherwise take "edit".
    path("variants/<int:pk>/edit/", views_edit.variant_edit_view, name="variant_edit"),
    path("calendar/", calendar.calendar_view, name="calendar"),
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
    path("<slug:slug>/items/new/", views_edit.item_create_view, name="item_create"),
    path("<slug:slug>/", views.campaign_detail_view, name="campaign_detail"),
    path("variants/<int:pk>/<str:action>/", views.variant_action_view, name="variant_action"),
]

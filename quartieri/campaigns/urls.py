from __future__ import annotations

from django.urls import path

from quartieri.campaigns import calendar, plan_link, views, views_io

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list_view, name="campaign_list"),
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
    path("<slug:slug>/", views.campaign_detail_view, name="campaign_detail"),
    path("variants/<int:pk>/<str:action>/", views.variant_action_view, name="variant_action"),
]

from __future__ import annotations

from django.urls import path

from quartieri.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list_view, name="list"),
    path("read/", views.notification_read_view, name="read"),
    path("<int:pk>/", views.notification_open_view, name="open"),
]

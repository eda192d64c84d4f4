from __future__ import annotations

from django.urls import path

from quartieri.planner import views

app_name = "planner"

urlpatterns = [
    path("", views.plan, name="plan"),
    path("save/", views.plan_save_view, name="save"),
    path("saved/", views.saved_list, name="saved_list"),
    path("saved/<int:pk>/", views.saved_detail, name="saved_detail"),
]

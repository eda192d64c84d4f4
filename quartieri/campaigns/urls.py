from __future__ import annotations

from django.urls import path

from quartieri.campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list_view, name="campaign_list"),
    path("<slug:slug>/", views.campaign_detail_view, name="campaign_detail"),
    path("variants/<int:pk>/<str:action>/", views.variant_action_view, name="variant_action"),
]

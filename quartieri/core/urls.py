from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.urls import path
from django.views.generic import TemplateView

from quartieri.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("todo/", views.inbox, name="inbox"),
    path(
        "accessibility/",
        login_not_required(TemplateView.as_view(template_name="core/accessibility.html")),
        name="accessibility",
    ),
    path(
        "privacy/",
        login_not_required(TemplateView.as_view(template_name="core/privacy.html")),
        name="privacy",
    ),
]

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from quartieri.campaigns.api import api
from quartieri.campaigns.views_media import media_file_view
from quartieri.core import views as core_views
from quartieri.publishing import views_public as publishing_public

handler400 = "quartieri.core.views.bad_request"
handler403 = "quartieri.core.views.permission_denied"
handler404 = "quartieri.core.views.page_not_found"
handler500 = "quartieri.core.views.server_error"

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("accounts/", include("quartieri.accounts.urls")),
    path("", include("quartieri.core.urls")),
    # Domain apps add their URL includes here, one line each.
    path("campaigns/", include("quartieri.campaigns.urls")),
    # Uploaded media, public: platforms fetch them by URL (QUARTIERI_MEDIA_SERVE).
    path("media/<path:path>", media_file_view, name="media_file"),
    path("api/v1/", api.urls),
    path("planner/", include("quartieri.planner.urls")),
    path("places/", include("quartieri.places.urls")),
    path("publishing/", include("quartieri.publishing.urls")),
    path("p/<str:token>", publishing_public.post_link_view, name="post_link"),
    path("posters/", include("quartieri.posters.urls")),
    path("screens/", include("quartieri.screens.urls")),
    path("newsletter/", include("quartieri.newsletter.urls")),
    path("notifications/", include("quartieri.notifications.urls")),
    path("", include("quartieri.analytics.urls")),
    path("", include("quartieri.minisites.urls")),
]

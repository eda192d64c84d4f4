from __future__ import annotations

from django.urls import path

from quartieri.screens import player, views

app_name = "screens"

_PLAYER = "player/<str:token>/"

urlpatterns = [
    # The players' side (no sign-in: the token in the path is the only key).
    path(_PLAYER, player.player_page, name="player"),
    path(_PLAYER + "sw.js", player.player_service_worker, name="player_sw"),
    path(_PLAYER + "manifest.json", player.player_manifest, name="player_manifest"),
    path(_PLAYER + "plays", player.player_plays, name="player_plays"),
    path(_PLAYER + "files/<str:kind>/<int:pk>/<str:name>", player.player_file, name="player_file"),
]

urlpatterns += [
    # Staff pages.
    path("", views.display_list, name="display_list"),
    path("displays/new/", views.display_edit, name="display_create"),
    path("displays/<int:pk>/", views.display_detail, name="display_detail"),
    path("displays/<int:pk>/edit/", views.display_edit, name="display_edit"),
    path("displays/<int:pk>/rotate/", views.display_rotate, name="display_rotate"),
    path("displays/<int:pk>/active/", views.display_active, name="display_active"),
    path("push/", views.push, name="push"),
    path("groups/", views.group_list, name="group_list"),
    path("groups/<int:pk>/edit/", views.group_edit, name="group_edit"),
    path("slides/", views.slide_list, name="slide_list"),
    path("slides/new/", views.slide_edit, name="slide_create"),
    path("slides/<int:pk>/", views.slide_detail, name="slide_detail"),
    path("slides/<int:pk>/edit/", views.slide_edit, name="slide_edit"),
    path(
        "slides/<int:pk>/preview/<int:width>x<int:height>",
        views.slide_preview,
        name="slide_preview",
    ),
    path("playlists/", views.playlist_list, name="playlist_list"),
    path("playlists/<int:pk>/", views.playlist_detail, name="playlist_detail"),
    path("schedules/", views.schedule_list, name="schedule_list"),
    path("schedules/new/", views.schedule_edit, name="schedule_create"),
    path("schedules/<int:pk>/edit/", views.schedule_edit, name="schedule_edit"),
    path("schedules/<int:pk>/delete/", views.schedule_delete, name="schedule_delete"),
    path("report/", views.campaign_report, name="report"),
]

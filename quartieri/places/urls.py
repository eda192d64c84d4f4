from __future__ import annotations

from django.urls import path

from quartieri.places import views

app_name = "places"

urlpatterns = [
    path("", views.map_view, name="map"),
    path("neighbourhoods/<slug:slug>/", views.neighbourhood_detail, name="neighbourhood_detail"),
    path("pois/", views.poi_list, name="poi_list"),
    path("pois/<int:pk>/locate/", views.poi_locate, name="poi_locate"),
    path("tours/", views.tour_list, name="tour_list"),
    path("tours/new/", views.tour_create, name="tour_create"),
    path("tours/<slug:slug>/", views.tour_detail, name="tour_detail"),
    path("tours/<slug:slug>/edit/", views.tour_edit, name="tour_edit"),
    path("tours/<slug:slug>/stops/add/", views.tour_stop_add, name="tour_stop_add"),
    path(
        "tours/<slug:slug>/stops/<int:stop_id>/move/", views.tour_stop_move, name="tour_stop_move"
    ),
    path(
        "tours/<slug:slug>/stops/<int:stop_id>/edit/", views.tour_stop_edit, name="tour_stop_edit"
    ),
    path(
        "tours/<slug:slug>/stops/<int:stop_id>/remove/",
        views.tour_stop_remove,
        name="tour_stop_remove",
    ),
    path("tours/<slug:slug>/optimise/", views.tour_optimise, name="tour_optimise"),
    path("tours/<slug:slug>/tour.gpx", views.tour_gpx, name="tour_gpx"),
    path("tours/<slug:slug>/tour.geojson", views.tour_geojson, name="tour_geojson"),
    path("tours/<slug:slug>/tour.pdf", views.tour_pdf, name="tour_pdf"),
    path("playlists/", views.playlist_list, name="playlist_list"),
    path("playlists/new/", views.playlist_create, name="playlist_create"),
    path("playlists/<slug:slug>/", views.playlist_detail, name="playlist_detail"),
    path("playlists/<slug:slug>/edit/", views.playlist_edit, name="playlist_edit"),
    path("playlists/<slug:slug>/tracks/add/", views.track_add, name="track_add"),
    path("playlists/<slug:slug>/tracks/<int:track_id>/move/", views.track_move, name="track_move"),
    path(
        "playlists/<slug:slug>/tracks/<int:track_id>/remove/",
        views.track_remove,
        name="track_remove",
    ),
    path("playlists/<slug:slug>/push/", views.playlist_push, name="playlist_push"),
    path("playlists/<slug:slug>/playlist.<str:fmt>", views.playlist_export, name="playlist_export"),
]

"""The posters tests use the mini-sites' small campaign (same fixtures)."""

from tests.minisites import conftest as shared

_english_outside_requests = shared._english_outside_requests
_sites_elsewhere = shared._sites_elsewhere
campaign = shared.campaign
city = shared.city
city_file = shared.city_file
tour_slug = shared.tour_slug

from tests.minisites.conftest import (
    _english_outside_requests,
    approved,
    campaign,
    city,
    city_file,
    jpeg,
    now,
    tour_slug,
)  # noqa: F401

from tests.minisites.conftest import approved, campaign, city, city_file, jpeg, now, tour_slug  # noqa: F401

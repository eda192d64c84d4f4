"""Benchmark: the calendar month view and the API lists with 5,000 variants, against 50.

    .venv/bin/python bench/campaigns_calendar_bench.py [--variants 5000] [--baseline 50]

Measured in the same run, on a fresh SQLite database in a temporary folder, through Django's
test client in this process (server time: request → response, no network):
- the calendar month view (``/campaigns/calendar/?view=month``) with every variant in that
  month, then the same page with only the baseline's variants;
- the REST API's calendar for that month (``/api/v1/calendar``, every variant in one answer)
  and the variants list (``/api/v1/variants?limit=MAX_PAGE``, one page).
For each: the median of several requests, the number of SQL queries, and the ratio of times
against the baseline. Time should grow less than the number of variants (sub-linear per row
would mean a query per row); the query count must not grow at all.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["QUARTIERI_DATA_DIR"] = tempfile.mkdtemp(prefix="calendar-bench-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quartieri.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

from quartieri.accounts.models import User  # noqa: E402
from quartieri.accounts.roles import Role  # noqa: E402
from quartieri.campaigns.api import MAX_PAGE  # noqa: E402
from quartieri.campaigns.models import Campaign, ContentItem, Variant  # noqa: E402
from quartieri.campaigns.services import api_token_create  # noqa: E402
from quartieri.channels.models import ChannelAccount  # noqa: E402
from quartieri.channels.registry import Platform  # noqa: E402

ROME = dt.timezone(dt.timedelta(hours=2))  # CEST: every day of June 2021
MONTH = dt.date(2021, 6, 1)
REPEATS = 7
ACCOUNTS = [
    (Platform.TIKTOK, "@comunedimilano", "video"),
    (Platform.INSTAGRAM, "@yesmilano", "feed"),
    (Platform.FACEBOOK, "Comune di Milano", "feed"),
    (Platform.NEWSLETTER, "Milano Today", "text"),
    (Platform.WEBSITE, "yesmilano.it", "text"),
]


def build_world() -> tuple[Campaign, list[ChannelAccount], User]:
    call_command("migrate", verbosity=0)
    admin = User.objects.create_user("bench-admin", role=Role.ADMIN)  # no password: force_login
    campaign = Campaign.objects.create(
        name="Bench", slug="bench", start_date=dt.date(2021, 5, 3), end_date=dt.date(2021, 9, 30)
    )
    accounts = [
        ChannelAccount.objects.create(platform=platform, handle=handle)
        for platform, handle, _ in ACCOUNTS
    ]
    return campaign, accounts, admin


def fill(*, campaign: Campaign, accounts: list[ChannelAccount], count: int) -> None:
    """``count`` scheduled variants over June, one content item per ten variants."""
    Variant.objects.all().delete()
    ContentItem.objects.all().delete()
    items = ContentItem.objects.bulk_create(
        ContentItem(campaign=campaign, title=f"Item {n}", master_text_it="Testo")
        for n in range((count + 9) // 10)
    )
    minutes_in_june = 30 * 24 * 60
    variants = []
    for n in range(count):
        account = accounts[n % len(accounts)]
        at = dt.datetime(2021, 6, 1, tzinfo=ROME) + dt.timedelta(
            minutes=(n * 7919) % minutes_in_june
        )
        variants.append(
            Variant(
                content_item=items[n // 10],
                account=account,
                post_type=ACCOUNTS[n % len(accounts)][2],
                caption=f"Variant {n} #milano",
                status=Variant.Status.SCHEDULED,
                scheduled_at=at,
            )
        )
    Variant.objects.bulk_create(variants, batch_size=1000)


def measure(client: Client, url: str, **headers: str) -> tuple[float, int]:
    """Median server time in ms over REPEATS requests, and the queries of one request."""
    client.get(url, **headers)  # warm caches and templates
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        response = client.get(url, **headers)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url, **headers)
    return statistics.median(times), len(queries)


def run(*, variants: int, baseline: int) -> None:
    # Pages name static files; the bench has not run collectstatic, so no manifest.
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(
        STORAGES={**settings.STORAGES, "staticfiles": plain},
        ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
    ).enable()
    campaign, accounts, admin = build_world()
    _row, token = api_token_create(actor=None, user=admin, name="bench")
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client = Client()
    client.force_login(admin)
    pages = {
        "calendar month view": ("/campaigns/calendar/?view=month&date=2021-06-01", {}),
        "API calendar (month)": ("/api/v1/calendar?start=2021-06-01&end=2021-06-30", bearer),
        f"API variants list (limit {MAX_PAGE})": (f"/api/v1/variants?limit={MAX_PAGE}", bearer),
    }
    results: dict[str, dict[int, tuple[float, int]]] = {name: {} for name in pages}
    for count in (baseline, variants):
        fill(campaign=campaign, accounts=accounts, count=count)
        for name, (url, headers) in pages.items():
            results[name][count] = measure(client, url, **headers)
    print(f"{variants} variants against {baseline} (median of {REPEATS}, SQLite, in-process)")
    growth = variants / baseline
    for name, by_count in results.items():
        (base_ms, base_q), (big_ms, big_q) = by_count[baseline], by_count[variants]
        print(
            f"{name:34} {big_ms:8.1f} ms {big_q:3} queries | baseline {base_ms:7.1f} ms "
            f"{base_q:3} queries | time ×{big_ms / base_ms:.1f} for ×{growth:.0f} variants"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=5000)
    parser.add_argument("--baseline", type=int, default=50)
    args = parser.parse_args()
    run(variants=args.variants, baseline=args.baseline)


if __name__ == "__main__":
    main()

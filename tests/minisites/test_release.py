"""The website and posters kinds' delivery: scheduled like a post, live at their time (a
feed entry, a site, a poster released to the print shop), each recorded published once."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from quartieri.campaigns import scheduling
from quartieri.campaigns.models import ContentItem, Transition, Variant
from quartieri.campaigns.services import (
    variant_approve,
    variant_create,
    variant_schedule,
    variant_submit,
    variant_update,
)
from quartieri.channels.base import Capability
from quartieri.channels.models import AccountGrant, ChannelAccount
from quartieri.channels.registry import Platform, kind_for
from quartieri.core.todo import inbox_sections
from quartieri.lib.weasy import weasyprint_html
from quartieri.minisites import periodic
from quartieri.minisites.build import sites_root
from quartieri.minisites.models import SiteBuild
from quartieri.minisites.release import RELEASE, release_due
from quartieri.minisites.tasks import release_due_task
from quartieri.places.models import Neighbourhood
from quartieri.posters import services as posters_services
from quartieri.posters.models import PrintFailure
from quartieri.posters.services import print_root
from tests.minisites.conftest import PAST

pytestmark = pytest.mark.django_db
AT = dt.datetime(2021, 6, 1, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _queue(settings: Any, monkeypatch: Any) -> None:
    # Tasks are kept, not run: each test runs the release itself, at the time it chooses.
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.dummy.DummyBackend",
            "QUEUES": settings.TASK_QUEUES,
        }
    }
    # Scheduling times must be in the future: stand in May 2021.
    monkeypatch.setattr(scheduling, "schedule_now", lambda: dt.datetime(2021, 5, 2, tzinfo=dt.UTC))


def queued() -> list[tuple[str, dt.datetime | None]]:
    return [(r.task.name, r.task.run_after) for r in release_due_task.get_backend().results]


def workflow(
    item: ContentItem, platform: str, editor: Any, approver: Any, **fields: Any
) -> Variant:
    account, _ = ChannelAccount.objects.get_or_create(platform=platform, handle=platform)
    AccountGrant.objects.get_or_create(account=account, user=editor, defaults={"can_draft": True})
    AccountGrant.objects.get_or_create(
        account=account, user=approver, defaults={"can_approve": True, "can_publish": True}
    )
    variant = variant_create(actor=editor, content_item=item, account=account, post_type="text",
                             caption="Est è online.", **fields)  # fmt: skip
    variant = variant_submit(actor=editor, variant=variant)
    return variant_approve(actor=approver, variant=variant)


def test_both_kinds_are_delivered_by_the_mini_sites_release():
    for slug in (Platform.WEBSITE, Platform.POSTERS):
        kind = kind_for(slug)
        assert kind.delivery() is RELEASE
        assert kind.capabilities == {Capability.DELIVERS, Capability.METRICS}


def test_posts_go_live_at_their_time_once(
    campaign, editor, approver, django_capture_on_commit_callbacks, monkeypatch
):
    renders = pdf_renders(monkeypatch)
    # The fixture's website and poster posts were scheduled for PAST: due, not yet released.
    due = set(Variant.objects.filter(status=Variant.Status.SCHEDULED).values_list("pk", flat=True))
    assert set(release_due(now=PAST + dt.timedelta(hours=1))) == due
    assert len(renders) == 2  # one PDF per language, rendered once: printed, then offered
    for variant in Variant.objects.filter(pk__in=due).select_related("account"):
        assert variant.status == Variant.Status.PUBLISHED
        [transition] = Transition.objects.filter(variant=variant, action="publish")
        assert transition.actor is None
        where = {
            Platform.WEBSITE: f"{settings_base()}/testa-1-ovest/{variant.account.language}/",
            Platform.POSTERS: "http://127.0.0.1:8000/posters/prova-2021/testa-1-ovest/",
        }[variant.account.platform]
        assert transition.comment == where
    # The poster went to the print shop in both languages; the live site shows the entry.
    printed = sorted(p.name for p in print_root(campaign=campaign).iterdir())
    assert printed == ["testa-1-ovest-en-A3.pdf", "testa-1-ovest-it-A3.pdf"]
    live = sites_root()
    for lang in ("it", "en"):  # the site offers the very files the print shop got
        offered = (live / f"testa-1-ovest/{lang}/poster/poster.pdf").read_bytes()
        assert (
            offered == (print_root(campaign=campaign) / f"testa-1-ovest-{lang}-A3.pdf").read_bytes()
        )
    assert "Il sito di Ovest è online." in (live / "testa-1-ovest/feed.atom").read_text()
    assert SiteBuild.objects.count() == 1
    # Nothing due any more: a second run (the tick's, a re-queued task) does nothing.
    assert release_due(now=PAST + dt.timedelta(hours=2)) == []
    assert SiteBuild.objects.count() == 1
    assert Transition.objects.filter(action="publish").count() == len(due)

    # A post for Est, through the workflow: scheduling enqueues the release for its time.
    est_item = ContentItem.objects.create(campaign=campaign, title="Est",
                                          neighbourhood=Neighbourhood.objects.get(slug="testa-2-est"))  # fmt: skip
    est = workflow(est_item, Platform.WEBSITE, editor, approver)
    withdrawn = workflow(est_item, Platform.WEBSITE, editor, approver, title="Ritirato")
    with django_capture_on_commit_callbacks(execute=True):
        est = variant_schedule(actor=approver, variant=est, at=AT)
        withdrawn = variant_schedule(
            actor=approver, variant=withdrawn, at=AT + dt.timedelta(hours=1)
        )
    assert queued() == [("release_due_task", AT), ("release_due_task", AT + dt.timedelta(hours=1))]
    variant_update(actor=editor, variant=withdrawn, caption="Da rivedere")  # back to review

    assert release_due(now=AT - dt.timedelta(minutes=1)) == []  # not yet
    assert not (live / "testa-2-est").exists()
    assert release_due(now=AT + dt.timedelta(hours=2)) == [est.pk]
    assert (live / "testa-2-est/en/index.html").is_file()  # its first post put Est's site live
    feed = json.loads((live / "feeds/prova-2021.json").read_text())
    assert "Ritirato" not in json.dumps(feed)
    assert "Est è online." in [i["content_text"] for i in feed["items"]]
    withdrawn.refresh_from_db()
    assert (withdrawn.status, withdrawn.scheduled_at) == (Variant.Status.IN_REVIEW, None)
    assert (live / "testa-1-ovest/it/index.html").is_file()  # the first site stays live


def pdf_renders(monkeypatch: Any) -> list[str]:
    """Count WeasyPrint's renders (the expensive part of a poster)."""
    HTML = weasyprint_html()  # noqa: N806 (the class, under its own name)

    calls: list[str] = []
    original = HTML.write_pdf

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append("pdf")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(HTML, "write_pdf", counted)
    return calls


def settings_base() -> str:
    from django.conf import settings

    return str(settings.SITES_BASE_URL)


def test_a_poster_post_about_no_neighbourhood_cannot_be_scheduled(campaign, editor, approver):
    item = ContentItem.objects.create(campaign=campaign, title="Tutta la città")
    variant = workflow(item, Platform.POSTERS, editor, approver)
    with pytest.raises(ValidationError, match="releases its neighbourhood's poster"):
        variant_schedule(actor=approver, variant=variant, at=AT)
    variant.refresh_from_db()
    assert (variant.status, variant.scheduled_at) == (Variant.Status.APPROVED, None)
    assert queued() == []


def test_the_tick_enqueues_a_release_for_an_overdue_post_once_a_minute(campaign, monkeypatch):
    monkeypatch.setattr(periodic, "_last_look", [])
    # The fixture's posts are due since PAST: not overdue a minute later, overdue after two.
    assert periodic.tick(now=PAST + dt.timedelta(minutes=1)) is False
    assert queued() == []
    monkeypatch.setattr(periodic, "_last_look", [])
    assert periodic.tick(now=PAST + dt.timedelta(minutes=3)) is True
    assert [name for name, _at in queued()] == ["release_due_task"]
    assert periodic.tick(now=PAST + dt.timedelta(minutes=4)) is False  # looked a moment ago
    assert len(queued()) == 1
    assert not SiteBuild.objects.exists()  # the tick built nothing itself


def waiting(user: Any) -> Any:
    return {s.kind.slug: s for s in inbox_sections(user=user)}.get("posters-not-printed")


def test_a_poster_that_cannot_be_printed_is_not_released_nor_offered_and_tried_a_few_times(
    campaign, approver, editor, settings, monkeypatch, client_for
):
    poster = Variant.objects.get(account__platform=Platform.POSTERS)
    website = Variant.objects.get(account__platform=Platform.WEBSITE)
    AccountGrant.objects.create(account=poster.account, user=approver, can_publish=True)
    AccountGrant.objects.create(account=poster.account, user=editor, can_draft=True)
    # The sites moved to an address nobody allowed as a link destination: the poster's QR
    # code's link, so its print files, cannot be made.
    settings.SITES_BASE_URL = "https://altrove.example.org/q"
    tries: list[int] = []
    original = posters_services.poster_print
    monkeypatch.setattr(
        posters_services, "poster_print", lambda **kw: tries.append(1) or original(**kw)
    )
    at = PAST + dt.timedelta(hours=1)
    assert release_due(now=at) == [website.pk]  # the website post goes out alone
    poster.refresh_from_db()
    assert poster.status == Variant.Status.SCHEDULED
    failure = PrintFailure.objects.get(variant=poster)
    assert failure.attempts == 1
    assert "'altrove.example.org' is not one of the allowed" in failure.error
    assert failure.retry_at == at + posters_services.RETRY_AFTER[0]
    assert ("release_due_task", failure.retry_at) in queued()
    # Nothing for the print shop; the site built for the website post offers no poster.
    folder = print_root(campaign=campaign)
    assert not folder.exists() or not list(folder.iterdir())
    live = sites_root()
    assert (live / "testa-1-ovest/it/index.html").is_file()
    assert not list(live.rglob("*.pdf"))
    assert not [p for p in live.rglob("*.html") if "poster.pdf" in p.read_text()]
    assert "not released yet" in (live / "testa-1-ovest/en/poster/index.html").read_text()
    # Said where staff look: the "Da fare" of who may publish on the account, the poster page.
    section = waiting(approver)
    assert section.count == 1
    assert "altrove.example.org" in section.entries[0].detail
    assert section.entries[0].url == "/posters/prova-2021/testa-1-ovest/"
    assert waiting(editor).count == 0  # no grant to publish there
    retry = f"/posters/prova-2021/testa-1-ovest/failures/{failure.pk}/retry/"
    page = client_for(approver).get(section.entries[0].url).text  # staff pages: Italian
    assert "altrove.example.org" in page
    assert "Prossimo tentativo automatico" in page
    assert f'action="{retry}"' in page
    assert f'action="{retry}"' not in client_for(editor).get(section.entries[0].url).text
    # Not tried again every minute: neither the release nor the workers' tick take it early.
    assert release_due(now=at + dt.timedelta(minutes=1)) == []
    monkeypatch.setattr(periodic, "_last_look", [])
    assert periodic.tick(now=at + dt.timedelta(minutes=4)) is False
    assert len(tries) == 1
    # At each next time it is tried again, further apart; after the last, no more.
    now = at
    for attempt, wait in enumerate(posters_services.RETRY_AFTER, start=2):
        assert release_due(now=now + wait - dt.timedelta(seconds=1)) == []
        now += wait
        assert release_due(now=now) == []
        failure.refresh_from_db()
        assert (failure.attempts, len(tries)) == (attempt, attempt)
    assert failure.retry_at is None
    assert (
        "Nessun altro tentativo automatico" in client_for(approver).get(section.entries[0].url).text
    )
    assert release_due(now=now + dt.timedelta(days=30)) == []
    monkeypatch.setattr(periodic, "_last_look", [])
    assert periodic.tick(now=now + dt.timedelta(days=30)) is False
    assert len(tries) == 5
    # Who may not publish there cannot make it try again (nothing changes); who may, can.
    assert client_for(editor).post(retry).status_code == 404
    assert PrintFailure.objects.filter(pk=failure.pk, attempts=5).exists()
    settings.ANALYTICS_SITE_ORIGINS = ["https://altrove.example.org"]  # the cause fixed
    assert client_for(approver).post(retry).status_code == 302
    later = now + dt.timedelta(days=30)
    monkeypatch.setattr(periodic, "_last_look", [])
    assert periodic.tick(now=later) is True  # the workers' next look takes it
    assert release_due(now=later) == [poster.pk]
    poster.refresh_from_db()
    assert poster.status == Variant.Status.PUBLISHED
    assert not PrintFailure.objects.exists()
    assert waiting(approver).count == 0
    assert (live / "testa-1-ovest/it/poster/poster.pdf").read_bytes().startswith(b"%PDF")
    assert "poster.pdf" in (live / "testa-1-ovest/it/poster/index.html").read_text()


def test_changing_the_design_tries_a_poster_that_failed_at_once(campaign, editor, settings):
    poster = Variant.objects.get(account__platform=Platform.POSTERS)
    settings.SITES_BASE_URL = "https://altrove.example.org/q"
    at = PAST + dt.timedelta(hours=1)
    release_due(now=at)
    assert PrintFailure.objects.get(variant=poster).retry_at == at + dt.timedelta(minutes=5)
    settings.ANALYTICS_SITE_ORIGINS = ["https://altrove.example.org"]
    posters_services.design_update(
        actor=editor, campaign=campaign, neighbourhood=poster.content_item.neighbourhood,
        layout="map", size="A4", photo=None,
    )  # fmt: skip
    assert release_due(now=at + dt.timedelta(minutes=1)) == [poster.pk]
    assert sorted(p.name for p in print_root(campaign=campaign).iterdir()) == [
        "testa-1-ovest-en-A4.pdf", "testa-1-ovest-it-A4.pdf"
    ]  # fmt: skip


def test_a_render_that_crashes_is_recorded_and_the_website_post_still_goes_out(
    campaign, monkeypatch
):
    HTML = weasyprint_html()  # noqa: N806 (the class, under its own name)

    def crash(self: Any, *args: Any, **kwargs: Any) -> bytes:
        raise RuntimeError("the renderer crashed")

    monkeypatch.setattr(HTML, "write_pdf", crash)
    website = Variant.objects.get(account__platform=Platform.WEBSITE)
    assert release_due(now=PAST + dt.timedelta(hours=1)) == [website.pk]
    failure = PrintFailure.objects.get()
    assert (failure.attempts, failure.error) == (1, "RuntimeError('the renderer crashed')")
    assert failure.variant.status == Variant.Status.SCHEDULED
    assert not list(sites_root().rglob("*.pdf"))

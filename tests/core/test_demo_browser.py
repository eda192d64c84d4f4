"""Issue 20's end-to-end path on the default demo, in Debian's Chromium, as a newcomer does
it after ``make demo`` (the current campaign, the demo's people and accounts):

1. the editor writes a master text, generates a TikTok variant from it, types in the caption
   and sees the counter (UTF-16 units) and the preview follow, uploads a video through the
   media page and sees it in the preview, and submits the post;
2. the approver finds it in "Da fare", opens the review page, comments (mentioning the
   editor), approves and schedules it two minutes ahead, and finds it in the calendar;
3. a worker runs what is due: at the real time the post is not sent (too early); two
   minutes later, on a moved clock, it goes to the sandbox's TikTok once;
4. the sandbox page shows it drawn as TikTok shows it, with its video.

The worker is the publishing tasks run in this process (``DummyBackend``, like the other
sandbox tests); the clock is moved by patching ``django.utils.timezone.now``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings as django_settings
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django.test import override_settings
from django.urls import Resolver404, resolve
from django.utils import timezone
from playwright.sync_api import expect

from quartieri.accounts.models import User
from quartieri.campaigns.demo import CURRENT_SLUG
from quartieri.campaigns.models import ContentItem, Variant
from quartieri.core.demo import DEMO_PEOPLE
from quartieri.notifications.models import Notification
from quartieri.publishing import outbox
from quartieri.publishing.demo_sandbox import Sandbox
from quartieri.publishing.models import OutboxEntry
from tests.campaigns.conftest import make_video
from tests.conftest import isolated_settings, serial_live_server
from tests.core.conftest import demo_load
from tests.core.shared_tasks import SharedDummyBackend
from tests.publishing.conftest import RUNNERS, drain, queue_backend, sandbox

__all__ = ["sandbox"]  # the sandbox's fakes on free ports, tasks kept for the test to run

# The marker makes pytest-django create the test database; _django_db_helper below keeps it
# from wrapping each test in a transaction or flushing after it (that would drop the demo).
pytestmark = [pytest.mark.browser, pytest.mark.django_db]
DUMMY_TASKS = "django.tasks.backends.dummy.DummyBackend"

# Short enough that what the editor types stays before TikTok's "… altro" fold.
MASTER = "Chiaravalle questo sabato: l'abbazia e le cascine. #Chiaravalle #MilanoQuartieri"
TYPED = " Ingresso libero 🎶"  # the note is two UTF-16 units: TikTok counts it so
ACCOUNT = "TikTok @comunedimilano"
CAPTIONS = "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nChiaravalle, l'abbazia.\n"
PASSWORDS = {person.username: person.password for person in DEMO_PEOPLE}
# Refused requests beyond the live server (map tiles) are the test's doing, not the page's.
IGNORED_CONSOLE = ("net::ERR_FAILED",)


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def caption_count(page: Any) -> int:
    """The caption's counter as the page shows it ("Didascalia: 127 / 2.200 unità UTF-16")."""
    line = page.get_by_test_id("counters").get_by_text(re.compile("UTF-16")).inner_text()
    found = re.search(r"(\d[\d.]*)\s*/", line)
    assert found, line
    return int(found[1].replace(".", ""))


def sign_in(page: Any, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Nome utente").fill(username)
    page.get_by_label("Password").fill(PASSWORDS[username])
    page.get_by_role("button", name="Accedi").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("inbox-link")).to_be_visible()


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="Esci").click()
    page.wait_for_load_state()


def click(page: Any, locator: Any) -> None:
    locator.click()
    page.wait_for_load_state()


def queued() -> list[str]:
    return [
        result.task.name
        for result in queue_backend().results
        if result.status == TaskResultStatus.READY and result.task.name in RUNNERS
    ]


@dataclass(frozen=True)
class DemoSite:
    url: str
    folder: Path


@pytest.fixture(scope="module")
def demo_site(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoSite]:
    """The whole demo, loaded once for the module's tests and served by a live server whose
    address every absolute link uses (what ``quartieri serve`` does with the address it
    listens on). Loading it per test would cost its ~15 s twice; the database is emptied
    when the module ends, as a transactional test leaves it."""
    folder = tmp_path_factory.mktemp("demo")
    with django_db_blocker.unblock():
        server = serial_live_server("127.0.0.1")
        url = server.url
        try:
            with override_settings(
                **isolated_settings(folder),
                PUBLIC_URL=url,
                SANDBOX_MEDIA_URL=f"{url}/media/",
                PUBLISHING_MEDIA_URL=f"{url}/media/",
                SITES_BASE_URL=f"{url}/q",
                SANDBOX_MARKER=folder / "sandbox",
                TASKS={"default": {"BACKEND": DUMMY_TASKS, "QUEUES": django_settings.TASK_QUEUES}},
            ):
                demo_load()
                yield DemoSite(url=url, folder=folder)
        finally:
            server.stop()
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def _django_db_helper(demo_site: DemoSite) -> None:
    """Overrides pytest-django's per-test database handling for this module: the tests run
    on the demo the module loaded (committed, so the live server's thread sees it on
    PostgreSQL too), and the module's teardown empties the database."""


@pytest.fixture(autouse=True)
def _demo_files(demo_site: DemoSite, settings: Any) -> None:
    # The demo's uploads and built sites, instead of the empty folders each test gets.
    for name, value in isolated_settings(demo_site.folder).items():
        setattr(settings, name, value)


@pytest.fixture
def page(browser: Any, demo_site: DemoSite) -> Iterator[Any]:
    """A fresh page on the demo; requests beyond its server are refused (no internet)."""
    context = browser.new_context(base_url=demo_site.url, locale="it-IT")
    context.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(demo_site.url) else route.abort()
        ),
    )
    yield context.new_page()
    context.close()


@pytest.fixture
def browser_errors(page: Any) -> list[str]:
    errors: list[str] = []
    page.on(
        "console",
        lambda msg: (
            errors.append(f"{page.url}: {msg.text}")
            if msg.type == "error" and not any(text in msg.text for text in IGNORED_CONSOLE)
            else None
        ),
    )
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    return errors


@pytest.fixture
def worker_queue(sandbox: Sandbox, settings: Any) -> Sandbox:
    """The sandbox's fakes, and the tasks of every thread in one queue the test runs."""
    settings.TASKS = {
        "default": {
            "BACKEND": "tests.core.shared_tasks.SharedDummyBackend",
            "QUEUES": settings.TASK_QUEUES,
        }
    }
    SharedDummyBackend.queue.clear()
    return sandbox


@pytest.fixture
def clips(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A one-second 360×640 H.264/AAC video made by Debian's ffmpeg, and its subtitles."""
    folder = tmp_path_factory.mktemp("clips")
    video = make_video(folder)
    captions = folder / "chiaravalle.vtt"
    captions.write_text(CAPTIONS, encoding="utf-8")
    return video, captions


def test_a_newcomer_drafts_approves_schedules_and_publishes_a_tiktok_video(
    worker_queue: Sandbox,
    page: Any,
    browser_errors: list[str],
    clips: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    item = ContentItem.objects.get(campaign__slug=CURRENT_SLUG, title="Chiaravalle")
    assert not item.variants.filter(account__platform="tiktok").exists()
    variant = editor_drafts(page, item, clips)
    sign_out(page)
    at = approver_schedules(page, variant)
    tiktok = worker_queue.tiktok

    # The worker at the real time: the post is not due, the outbox sends nothing early.
    entry = OutboxEntry.objects.get(variant=variant)
    assert (entry.state, entry.due_at) == (OutboxEntry.State.SCHEDULED, at)
    assert queued() == ["publish_entry"]
    assert drain(20, due_only=True) == []
    assert outbox.outbox_publish(entry_id=entry.pk, version=entry.version) == "not_due"
    assert not [post for post in tiktok_posts(tiktok) if TYPED.strip() in post]
    # When it is due (the clock moved, not waited for), the worker publishes it once.
    real_now: Callable[[], dt.datetime] = timezone.now
    ahead = at - real_now() + dt.timedelta(seconds=5)
    monkeypatch.setattr(timezone, "now", lambda: real_now() + ahead)
    assert "published" in drain(20, due_only=True)
    monkeypatch.undo()
    entry.refresh_from_db()
    assert entry.state == OutboxEntry.State.PUBLISHED
    assert Variant.objects.get(pk=variant.pk).status == Variant.Status.PUBLISHED
    assert len([post for post in tiktok_posts(tiktok) if TYPED.strip() in post]) == 1

    sandbox_shows(page, variant)
    assert browser_errors == []


def editor_drafts(page: Any, item: ContentItem, clips: tuple[Path, Path]) -> Variant:
    video, captions = clips
    sign_in(page, "editor")
    page.goto(f"/campaigns/{CURRENT_SLUG}/")
    items = page.get_by_test_id("items")
    click(page, items.get_by_role("link", name="Chiaravalle", exact=True))
    # The master text first; the variant is generated from it.
    click(page, page.get_by_role("link", name="Modifica il contenuto"))
    page.get_by_label("Testo base (italiano)").fill(MASTER)
    click(page, page.get_by_role("button", name="Salva il contenuto"))
    # Bootstrap Italia draws the checkbox on its label, which is what a person clicks.
    page.locator("label", has_text=f"{ACCOUNT} (Italiano)").click()
    click(page, page.get_by_role("button", name="Genera le varianti"))
    expect(page.get_by_text(f"Creata 1 variante in bozza: {ACCOUNT}.")).to_be_visible()
    variant = Variant.objects.get(content_item=item, account__platform="tiktok")
    assert variant.status == Variant.Status.DRAFT

    click(page, page.get_by_role("link", name=re.compile(rf"^Modifica\W+{ACCOUNT}")))
    writes_with_live_help(page, variant)
    page.get_by_label("Chi può vederlo (TikTok)").select_option(label="Tutti")
    click(page, page.get_by_role("button", name="Salva la variante"))
    expect(page.get_by_text("Salvata.")).to_be_visible()
    # A video post without its video: the page says what is missing.
    expect(page.get_by_test_id("rule-check")).to_contain_text("almeno 1")

    click(page, page.get_by_role("link", name="Carica in questo contenuto"))
    page.get_by_label("Immagine o video").set_input_files(video)
    page.get_by_label("File dei sottotitoli").set_input_files(captions)
    page.locator("label", has_text=f"{ACCOUNT} · Video").click()
    click(page, page.get_by_role("button", name="Carica", exact=True))
    expect(page.get_by_text(re.compile(r"Caricato: .*\.mp4"))).to_be_visible()

    page.goto(f"/campaigns/variants/{variant.pk}/edit/")
    preview = page.locator("#preview-live")
    expect(preview.locator("video")).to_have_count(1)
    expect(page.get_by_test_id("rules-ok")).to_be_visible()
    click(page, page.get_by_role("link", name="Pagina di revisione: commenti e flusso di lavoro"))
    click(page, page.get_by_role("button", name=re.compile("^Invia in revisione")))
    variant.refresh_from_db()
    assert variant.status == Variant.Status.IN_REVIEW
    assert variant.media.get().kind == "video"
    return variant


def writes_with_live_help(page: Any, variant: Variant) -> None:
    """Typing at the end of the caption moves the UTF-16 counter and the preview, before
    anything is saved."""
    preview = page.locator("#preview-live")
    before = caption_count(page)
    assert TYPED.strip() not in (preview.text_content() or "")
    caption = page.get_by_label("Didascalia")
    caption.click()
    page.keyboard.press("Control+End")
    caption.press_sequentially(TYPED, delay=15)
    expect(page.get_by_test_id("counters")).to_contain_text(f"{before + utf16(TYPED)} /")
    expect(preview.get_by_test_id("preview-caption")).to_contain_text(TYPED.strip())
    assert Variant.objects.get(pk=variant.pk).caption == variant.caption  # nothing saved yet


def approver_schedules(page: Any, variant: Variant) -> dt.datetime:
    sign_in(page, "approver")
    click(page, page.get_by_test_id("inbox-link"))
    click(page, page.get_by_role("link", name=f"Chiaravalle → {ACCOUNT}"))
    assert page.url.endswith(f"/campaigns/variants/{variant.pk}/review/")
    expect(page.get_by_test_id("preview").locator("video")).to_have_count(1)

    page.get_by_label("Il tuo commento").fill("Bello! @editor la prossima volta la fermata del 77.")
    click(page, page.get_by_role("button", name="Aggiungi il commento"))
    expect(page.get_by_test_id("comment")).to_contain_text("la fermata del 77")
    editor = User.objects.get(username="editor")
    assert Notification.objects.filter(recipient=editor, subject__contains="Chiaravalle").exists()

    click(page, page.get_by_role("button", name=re.compile("^Approva")))
    assert Variant.objects.get(pk=variant.pk).status == Variant.Status.APPROVED
    # Two minutes ahead, in Rome's time, the way the form asks for it.
    local = first_free_minute(variant, timezone.localtime() + dt.timedelta(minutes=2))
    page.get_by_label("Giorno").fill(local.date().isoformat())
    page.get_by_label("Ora (Europe/Rome)").fill(local.strftime("%H:%M"))
    click(page, page.get_by_role("button", name=re.compile("^Programma")))
    stored = Variant.objects.get(pk=variant.pk)
    assert stored.status == Variant.Status.SCHEDULED
    assert stored.scheduled_at is not None
    scheduled = timezone.localtime(stored.scheduled_at)
    assert (scheduled.date(), scheduled.strftime("%H:%M")) == (
        local.date(),
        local.strftime("%H:%M"),
    )

    # The calendar (Publish menu) shows it on its day, at its time.
    click(page, page.get_by_test_id("menu-publish"))
    click(page, page.get_by_role("link", name="Calendario editoriale"))
    if scheduled.date().replace(day=1) != timezone.localdate().replace(day=1):
        page.goto(f"/campaigns/calendar/?date={scheduled.date().isoformat()}")
    # A busy day shows its first posts and links the rest ("altri N post"), as a person follows.
    more = page.locator(
        f'[data-testid="calendar-more"][href*="date={scheduled.date().isoformat()}"]'
    )
    if more.count():
        click(page, more)
    entry = page.get_by_role("listitem").filter(has_text=ACCOUNT).filter(has_text="Chiaravalle")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(scheduled.strftime("%H:%M"))
    return stored.scheduled_at


def first_free_minute(variant: Variant, wanted: dt.datetime) -> dt.datetime:
    """``wanted``, or the first minute after it that keeps the account's spacing from the
    posts it already has, as an approver told "already posts at …" would pick. Only in the
    first hour and a half after midnight does it move: the demo's earlier post of the day
    is then at midnight (publishing/demo.py, the campaign starts today)."""
    gap = dt.timedelta(minutes=variant.account.min_spacing_minutes)
    others = (
        Variant.objects.filter(account=variant.account, scheduled_at__isnull=False)
        .filter(status__in=(Variant.Status.SCHEDULED, Variant.Status.PUBLISHED))
        .exclude(pk=variant.pk)
        .order_by("scheduled_at")
        .values_list("scheduled_at", flat=True)
    )
    for other in others:
        if abs(other - wanted) < gap:
            wanted = timezone.localtime(other + gap + dt.timedelta(minutes=1))
    return wanted


def tiktok_posts(tiktok: Any) -> list[str]:
    """The texts of the posts the sandbox's TikTok holds (a video's text is its title)."""
    return [post.title for post in tiktok.posts]


def sandbox_shows(page: Any, variant: Variant) -> None:
    click(page, page.get_by_test_id("menu-publish"))
    click(page, page.get_by_role("link", name="Sandbox"))
    posts = page.get_by_test_id("sandbox-post").filter(has_text=TYPED.strip())
    expect(posts).to_have_count(1)
    drawn = posts.get_by_test_id("sandbox-preview")
    expect(drawn.get_by_test_id("preview")).to_have_attribute("data-kind", "tiktok")
    expect(drawn.locator("video")).to_have_count(1)
    expect(drawn).to_contain_text("@comunedimilano")
    expect(drawn.get_by_test_id("preview-caption")).to_contain_text("Chiaravalle questo sabato")
    assert django_settings.SANDBOX


# --- axe-core on every page type, for each role, at both widths ------------------------------
WIDTHS = {"desktop": (1366, 768), "phone": (390, 844)}
WCAG_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],  # details of the violations only: less to send back
}
# Wider than the viewport by more than a rounding pixel is a horizontal scroll bar.
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
# The detail pages the menu's pages link to: view name -> the view whose page links to it
# (a path, or another detail page found before it). Followed as a person clicks, so a page
# that stops linking its details fails here too. A site's preview serves the built site's
# pages, which tests/minisites/test_browser.py checks with axe-core page type by page type.
DETAILS = {
    "campaigns:campaign_detail": "/campaigns/",
    "campaigns:item_detail": "campaigns:campaign_detail",
    "campaigns:media_library": "campaigns:campaign_detail",
    "campaigns:variant_review": "campaigns:item_detail",
    "places:tour_detail": "/places/tours/",
    "places:neighbourhood_detail": "/places/",
    "screens:display_detail": "/screens/",
    "newsletter:issue_detail": "/newsletter/",
    "analytics:campaign": "/analytics/",
    "publishing:outbox_entry": "/publishing/",
    "posters:design": "/posters/",
}
# Where the other roles' pages differ from the administrator's: their own queue, and the
# forms only they get (the approver's review and settle pages, the editor's variant and upload
# forms).
ROLE_DETAILS = {
    "approver": {
        "campaigns:variant_review": "/todo/",
        # The demo's unconfirmed TikTok post, settled by an approver who may publish on its
        # account: "it is there" / "it is missing, send again".
        "publishing:settle_found": "/publishing/",
        "publishing:settle_missing": "/publishing/",
    },
    "editor": {
        "campaigns:variant_edit": "/todo/",
        "campaigns:content_item_media": "campaigns:variant_edit",
    },
    "analyst": {},
}
ROLE_PAGES = {"approver": ["/todo/", "/campaigns/variants/review/"], "editor": ["/todo/"]}


def serious(page: Any) -> list[str]:
    results = Axe().run(page, options=WCAG_AA)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def link_to(links: list[str], view_name: str) -> str | None:
    """The first of a page's ``links`` (paths) that leads to ``view_name``."""
    for href in links:
        with contextlib.suppress(Resolver404):
            if resolve(href).view_name == view_name:
                return href
    return None


def find_details(page: Any, details: dict[str, str], problems: list[str]) -> list[str]:
    found: dict[str, str] = {}
    links: dict[str, list[str]] = {}  # each page read once for all the details it links to
    for view_name, source in details.items():
        start = found.get(source, source)
        if start not in links:
            page.goto(start)
            links[start] = page.eval_on_selector_all(
                "main a[href]", "links => links.map(a => a.pathname)"
            )
        path = link_to(links[start], view_name)
        if path is None:
            problems.append(f"no link to {view_name} on {start}")
            continue
        found[view_name] = path
    return list(found.values())


def check_page(page: Any, path: str) -> list[str]:
    """One visit, checked at both widths: the layout answers the resize as it would a
    phone's first load (CSS media queries), and a second load would only cost time."""
    response = page.goto(path)
    status = response.status if response else 0
    if status != 200:
        return [f"{path}: HTTP {status}"]
    problems = []
    for width, (w, h) in WIDTHS.items():
        page.set_viewport_size({"width": w, "height": h})
        problems += [f"{width} {path}: {v}" for v in serious(page)]
        overflow = page.evaluate(OVERFLOW)
        if overflow > 1:
            problems.append(f"{width} {path}: {overflow}px wider than the screen")
    page.set_viewport_size({"width": WIDTHS["desktop"][0], "height": WIDTHS["desktop"][1]})
    return problems


def role_pages(page: Any, username: str, problems: list[str]) -> list[str]:
    if username == "admin":
        menu = page.eval_on_selector_all(
            "#main-menu a[href]", "links => links.map(a => a.pathname)"
        )
        paths = sorted(set(menu) | {"/"}) + find_details(page, DETAILS, problems)
        return [*paths, plan_result(page)]
    return ROLE_PAGES.get(username, ["/todo/"]) + find_details(
        page, ROLE_DETAILS[username], problems
    )


def plan_result(page: Any) -> str:
    """The planner's answer to its form as it opens (the demo's defaults)."""
    page.goto("/planner/")
    page.get_by_test_id("plan-form").locator("button[type=submit]").first.click()
    page.wait_for_load_state()
    return str(page.evaluate("location.pathname + location.search"))


def test_every_page_type_passes_axe_and_fits_for_each_role_at_both_widths(
    page: Any, browser_errors: list[str]
) -> None:
    problems: list[str] = []
    checked = []
    page.set_viewport_size({"width": WIDTHS["desktop"][0], "height": WIDTHS["desktop"][1]})
    for username in ("admin", "approver", "editor", "analyst"):
        sign_in(page, username)
        for path in role_pages(page, username, problems):
            problems += [f"as {username}: {p}" for p in check_page(page, path)]
            checked.append(path)
        sign_out(page)
    assert len(checked) > 35  # every menu page and its details, and the roles' own
    assert problems == [], "\n".join(problems)
    assert browser_errors == []

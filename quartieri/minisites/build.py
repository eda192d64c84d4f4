"""Building a campaign's mini-sites into a folder: incremental, deterministic, recorded.

1. Read everything once (``content.site_content``).
2. For each released neighbourhood, a digest of everything its pages depend on; when it
   equals the one in the previous manifest and the files are there, none of its pages is
   rendered again.
3. Render the others; a page is written only when its bytes differ from the manifest's
   SHA-256 of it (atomically: a temporary file renamed over the old one).
4. Shared files (assets, feeds, sitemap, robots, index) likewise; files the previous
   manifest listed that this build no longer makes are removed (nothing else is touched).
5. ``manifest.json`` lists every file with its hash and each site's input digest; no
   clock enters any file, so the same input gives the same bytes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import hashlib
import json
import logging
import multiprocessing
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from quartieri.accounts.models import User
from quartieri.campaigns.models import Campaign
from quartieri.minisites import assets, feeds, render
from quartieri.minisites.consent import consent_for
from quartieri.minisites.content import NeighbourhoodView, SiteContent, site_content
from quartieri.minisites.models import SiteBuild
from quartieri.minisites.render import Options, Page
from quartieri.posters import services as poster_services

logger = logging.getLogger(__name__)
MANIFEST = "manifest.json"
MANIFEST_VERSION = 1


@dataclass
class BuildResult:
    out_dir: Path
    pages_written: int = 0
    pages_unchanged: int = 0
    pages_removed: int = 0
    seconds: float = 0.0
    released: dict[str, int] = field(default_factory=dict)
    left_out: list[str] = field(default_factory=list)  # sites not released: not written
    posters_missing: list[str] = field(default_factory=list)  # released, could not render
    build_id: int | None = None

    @property
    def manifest_path(self) -> Path:
        return self.out_dir / MANIFEST

    def as_json(self) -> dict[str, Any]:
        return {
            "pages_written": self.pages_written,
            "pages_unchanged": self.pages_unchanged,
            "pages_removed": self.pages_removed,
            "seconds": round(self.seconds, 3),
            "manifest": str(self.manifest_path),
            "sites": sorted(self.released),
            "not_released": self.left_out,
            "posters_missing": self.posters_missing,
        }


def sites_root() -> Path:
    return Path(settings.BUILD_ROOT) / "sites"


@functools.cache
def _code_version() -> str:
    """Digest of the templates and assets: a change to them rebuilds every page."""
    digest = hashlib.sha256()
    for source in render.template_sources():
        digest.update(source.encode())
    digest.update(assets.stylesheet()[0].encode())
    for script in ("site.js", "pv.js"):
        digest.update((assets.HERE / script).read_bytes())
    return digest.hexdigest()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Writer:
    """Writes pages whose bytes changed; remembers every file of this build."""

    def __init__(self, out: Path, previous: dict[str, str], result: BuildResult) -> None:
        self.out, self.previous, self.result = out, previous, result
        self.files: dict[str, str] = {}
        self.root = str(out)
        self.folders: set[str] = set()

    def write(self, page: Page) -> None:
        digest = _sha(page.data)
        kept = page.path in self.files  # carried over with its site, and counted then
        self.files[page.path] = digest
        target = os.path.join(self.root, page.path)
        exists = os.path.isfile(target)
        if exists and self.previous.get(page.path) == digest:
            self.result.pages_unchanged += 0 if kept else 1
            return
        self.result.pages_unchanged -= 1 if kept else 0
        folder = os.path.dirname(target)
        if folder not in self.folders:
            os.makedirs(folder, exist_ok=True)
            self.folders.add(folder)
        if exists:
            # A page being replaced is never seen half-written: a new file renamed over it.
            temporary = os.path.join(folder, f".{os.path.basename(target)}.tmp")
            with open(temporary, "wb") as handle:
                handle.write(page.data)
            os.replace(temporary, target)
        else:
            with open(target, "wb") as handle:
                handle.write(page.data)
        self.result.pages_written += 1

    def keep(self, paths: Iterable[str]) -> bool:
        """Carry over unchanged files without rendering them; False if one is missing."""
        paths = list(paths)
        if not all((self.out / p).is_file() for p in paths):
            return False
        for path in paths:
            self.files[path] = self.previous[path]
        self.result.pages_unchanged += len(paths)
        return True


def _read_manifest(out: Path) -> dict[str, Any]:
    try:
        data = json.loads((out / MANIFEST).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and data.get("version") == MANIFEST_VERSION else {}


def _options(*, base_url: str, unreleased: bool) -> Options:
    return Options(
        base_url=base_url.rstrip("/"),
        public_url=settings.PUBLIC_URL.rstrip("/"),
        tile_url=settings.MAP_TILE_URL,
        tile_attribution=settings.SITES_TILE_ATTRIBUTION,
        beacon=settings.SITES_BEACON,
        unreleased=unreleased,
        css=assets.stylesheet()[0],
        statement_url=settings.SITES_ACCESSIBILITY_STATEMENT_URL,
        contact_email=settings.SITES_CONTACT_EMAIL,
    )


@dataclass
class Prepared:
    n: NeighbourhoodView
    images: dict[str, list[tuple[int, str]]]
    posters: dict[str, str]
    extra: list[Page]  # posters and new resized photos


# Rendering is CPU-bound: from this many sites to render, it is spread over processes
# (forked: they inherit the content read once, and touch no database). The building process
# renders too, beside ``processes - 1`` forked ones; each takes the next site from a shared
# counter, so a process slowed by other work on its core simply renders fewer sites.
PARALLEL_FROM = 8
_JOB: tuple[Builder, list[Prepared], Writer, Any] | None = None


def _render_share() -> tuple[dict[str, str], int, int]:
    assert _JOB is not None  # noqa: S101 - set before the fork
    builder, todo, parent, counter = _JOB
    result = BuildResult(out_dir=parent.out)
    writer = Writer(parent.out, parent.previous, result)
    while True:
        with counter.get_lock():
            index = counter.value
            counter.value += 1
        if index >= len(todo):
            return writer.files, result.pages_written, result.pages_unchanged
        for page in builder.pages(todo[index]):
            writer.write(page)


def _child(sender: Any) -> None:
    """A forked renderer: its share, or the error that stopped it, sent back to the parent."""
    try:
        sender.send(("ok", _render_share()))
    except BaseException as error:  # noqa: BLE001 - reported to the parent, which raises
        sender.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        sender.close()


def _merge(writer: Writer, share: tuple[dict[str, str], int, int]) -> None:
    files, written, unchanged = share
    writer.files.update(files)
    writer.result.pages_written += written
    writer.result.pages_unchanged += unchanged


def _render_in_processes(
    builder: Builder, todo: list[Prepared], writer: Writer, processes: int
) -> None:
    global _JOB
    context = multiprocessing.get_context("fork")
    _JOB = (builder, todo, writer, context.Value("i", 0))
    children = []
    try:
        for _ in range(processes - 1):
            reader, sender = context.Pipe(duplex=False)
            child = context.Process(target=_child, args=(sender,), daemon=True)
            child.start()
            sender.close()
            children.append((reader, child))
        _merge(writer, _render_share())
        for reader, child in children:
            try:
                status, share = reader.recv()
            except EOFError:
                status, share = "error", f"exit status {child.exitcode}"
            if status != "ok":
                raise RuntimeError(f"a rendering process failed: {share}")
            _merge(writer, share)
    finally:
        _JOB = None
        for _reader, child in children:
            if child.is_alive() and child.exitcode is None:
                child.join(timeout=5)
            if child.is_alive():
                child.terminate()


class Builder:
    def __init__(
        self,
        *,
        campaign: Campaign,
        site: SiteContent,
        options: Options,
        out: Path,
        printed: Iterable[poster_services.Printed] = (),
    ) -> None:
        self.campaign, self.site, self.options, self.out = campaign, site, options, out
        # Posters the release just printed, taken as they are (rendered once per release)
        # when this build makes the sites their QR codes lead to.
        same = not options.unreleased and options.base_url == settings.SITES_BASE_URL.rstrip("/")
        self.printed = {p.neighbourhood_id: p.posters for p in printed} if same else {}
        self.posters_missing: list[str] = []
        self.consent = {
            lang: consent_for(
                public_url=options.public_url,
                newsletter_list=options.newsletter_list,
                language=lang,
            )
            for lang, _ in render.LANGUAGES
        }
        self.designs = poster_services.design_keys(campaign=campaign)

    def digest(self, n: NeighbourhoodView) -> str:
        parts = (
            _code_version(),
            repr(self.options),
            repr(self.consent),
            repr(self.site.all_names),
            self.site.campaign_name,
            repr(n),
            self.designs.get(n.pk, ""),
        )
        return _sha("\x1f".join(parts).encode())

    def images(
        self, n: NeighbourhoodView
    ) -> tuple[dict[str, list[tuple[int, str]]], Iterator[Page]]:
        photos = assets.photos_of(
            [n.photos, *(t.photos for t in n.tours), *(p.photos for t in n.tours for p in t.stops)]
        )
        names = {name: assets.image_names(photo, folder=n.slug) for name, photo in photos.items()}

        def pages() -> Iterator[Page]:
            for name, photo in photos.items():
                for width, path in names[name]:
                    if not (self.out / path).is_file():
                        yield Page(path, assets.resized(photo, width))

        return names, pages()

    def posters(self, n: NeighbourhoodView) -> tuple[dict[str, str], list[Page]]:
        if n.poster_released_by is None:
            return {}, []
        found = self.printed.get(n.pk)
        if found is None:
            try:
                found = self._render_posters(n)
            except Exception:  # noqa: BLE001 - one poster must not stop every site's build
                # Its site offers no poster this time, and is rendered again next build.
                logger.exception("Poster of %s left off its site", n.slug)
                self.posters_missing.append(n.slug)
                return {}, []
        sizes = {lang: poster.size_label for lang, poster in found.items()}
        pages = [Page(f"{n.slug}/{lang}/poster/poster.pdf", p.pdf) for lang, p in found.items()]
        return sizes, pages

    def _render_posters(self, n: NeighbourhoodView) -> dict[str, poster_services.Poster]:
        # A preview's poster still leads to the public site: its QR code is a tracked link,
        # never one to a staff-only preview address.
        base_url = None if self.options.unreleased else self.options.base_url
        return {
            lang: poster_services.poster_render(
                campaign=self.campaign, neighbourhood_id=n.pk, language=lang, base_url=base_url
            )
            for lang, _ in render.LANGUAGES
        }

    def prepare(self, n: NeighbourhoodView) -> Prepared:
        """What needs the database or the media storage, done before any page is rendered
        (rendering may then run in other processes)."""
        names, image_pages = self.images(n)
        sizes, poster_pages = self.posters(n)
        return Prepared(n, names, sizes, [*poster_pages, *image_pages])

    def pages(self, prepared: Prepared) -> Iterator[Page]:
        yield from render.neighbourhood_pages(
            site=self.site,
            n=prepared.n,
            options=self.options,
            images=prepared.images,
            posters=prepared.posters,
            consent=self.consent,
        )
        yield from prepared.extra

    @staticmethod
    def up_to_date(*, old: list[str], digest: str, before: str | None, writer: Writer) -> bool:
        """True when the site's inputs are those of the last build and its files are there
        (they are then carried over without rendering)."""
        return bool(old) and before == digest and writer.keep(old)

    def render_all(self, todo: list[Prepared], writer: Writer, processes: int) -> None:
        if processes > 1 and len(todo) >= PARALLEL_FROM:
            _render_in_processes(self, todo, writer, processes)
        else:
            for prepared in todo:
                for page in self.pages(prepared):
                    writer.write(page)
        for prepared in todo:
            for _width, path in (v for vs in prepared.images.values() for v in vs):
                if path not in writer.files:  # resized by an earlier build: left as it is
                    digest = writer.previous.get(path) or _sha((self.out / path).read_bytes())
                    writer.files[path] = digest
                    writer.result.pages_unchanged += 1

    def shared(self, sites: list[NeighbourhoodView], writer: Writer) -> None:
        for page in assets.shared_pages():
            writer.write(page)
        site = SiteContent(
            campaign_slug=self.site.campaign_slug,
            campaign_name=self.site.campaign_name,
            campaign_start=self.site.campaign_start,
            neighbourhoods=tuple(sites),
            entries=self.site.entries,
            all_names=tuple((n.slug, n.name) for n in sites),
        )
        writer.write(render.index_page(site=site, options=self.options))
        for page in self.feed_pages(sites):
            writer.write(page)
        urls = [
            f"{self.options.base_url}/{path[: -len('index.html')]}"
            for path in writer.files
            if path.endswith("index.html") and "/widget/" not in path and "/" in path
        ]
        writer.write(Page("sitemap.xml", feeds.sitemap(urls)))
        writer.write(
            Page(
                "robots.txt",
                feeds.robots(base_url=self.options.base_url, indexable=not self.options.unreleased),
            )
        )

    def feed_pages(self, sites: list[NeighbourhoodView]) -> Iterator[Page]:
        base, host = self.options.base_url, feeds.host_of(self.options.base_url)
        start = self.site.campaign_start
        groups = [
            (
                f"feeds/{self.site.campaign_slug}",
                self.site.campaign_name,
                f"{base}/",
                list(self.site.entries),
            )
        ]
        groups += [
            (
                f"{n.slug}/feed",
                f"{render.plain(n.name, 'it')} · {self.site.campaign_name}",
                f"{base}/{n.slug}/it/",
                list(n.entries),
            )
            for n in sites
        ]
        for stem, title, home, entries in groups:
            yield Page(
                f"{stem}.atom",
                feeds.atom(
                    title=title,
                    home=home,
                    self_url=f"{base}/{stem}.atom",
                    host=host,
                    entries=entries,
                    fallback_date=start,
                ),
            )
            yield Page(
                f"{stem}.json",
                feeds.json_feed(
                    title=title,
                    home=home,
                    self_url=f"{base}/{stem}.json",
                    host=host,
                    entries=entries,
                ),
            )


def _remove_stale(out: Path, previous: dict[str, str], current: dict[str, str]) -> int:
    removed = 0
    for path in sorted(set(previous) - set(current)):
        target = out / path
        if target.is_file():
            target.unlink()
            removed += 1
    return removed


@contextlib.contextmanager
def _cycle_collection_paused() -> Iterator[None]:
    """A build allocates hundreds of thousands of short-lived objects on top of the content it
    read: Python's cycle collector then keeps walking that content (a quarter of a build's CPU
    time, measured). Reference counting still frees what each page leaves behind; the few
    cycles wait for the next collection after the build."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def site_build(
    *,
    campaign: Campaign,
    out_dir: Path | None = None,
    base_url: str | None = None,
    actor: User | None = None,
    unreleased: bool = False,
    now: dt.datetime | None = None,
    processes: int = 0,
    printed: Sequence[poster_services.Printed] = (),
) -> BuildResult:
    """Build the campaign's released mini-sites (all of them with ``unreleased``).
    ``printed``: the posters the calling release has just printed (``release.py``)."""
    with _cycle_collection_paused():
        return _build(
            campaign=campaign,
            out_dir=out_dir,
            base_url=base_url,
            actor=actor,
            unreleased=unreleased,
            now=now,
            processes=processes,
            printed=printed,
        )


def _build(
    *,
    campaign: Campaign,
    out_dir: Path | None = None,
    base_url: str | None = None,
    actor: User | None = None,
    unreleased: bool = False,
    now: dt.datetime | None = None,
    processes: int = 0,
    printed: Sequence[poster_services.Printed] = (),
) -> BuildResult:
    clock, started = time.perf_counter(), timezone.now()
    out = Path(out_dir or sites_root()).resolve()
    out.mkdir(parents=True, exist_ok=True)
    options = _options(base_url=base_url or settings.SITES_BASE_URL, unreleased=unreleased)
    site = site_content(
        campaign=campaign,
        now=now,
        released_only=not unreleased,
        printed=[p.variant_id for p in printed],
    )
    before = _read_manifest(out)
    result = BuildResult(out_dir=out)
    writer = Writer(out, dict(before.get("files", {})), result)
    builder = Builder(campaign=campaign, site=site, options=options, out=out, printed=printed)
    sites = list(site.neighbourhoods)
    result.left_out = list(site.left_out)
    inputs = {n.slug: builder.digest(n) for n in sites}
    by_site: dict[str, list[str]] = {}
    for path in writer.previous:
        by_site.setdefault(path.split("/", 1)[0], []).append(path)
    todo = [
        builder.prepare(n)
        for n in sites
        if not builder.up_to_date(
            old=by_site.get(n.slug, []),
            digest=inputs[n.slug],
            before=before.get("inputs", {}).get(n.slug),
            writer=writer,
        )
    ]
    for slug in builder.posters_missing:
        del inputs[slug]  # not up to date: the next build tries its poster again
    result.posters_missing = builder.posters_missing
    builder.render_all(todo, writer, processes or settings.SITES_BUILD_PROCESSES)
    builder.shared(sites, writer)
    result.pages_removed = _remove_stale(out, writer.previous, writer.files)
    manifest = {
        "version": MANIFEST_VERSION,
        "campaign": campaign.slug,
        "base_url": options.base_url,
        "inputs": inputs,
        "files": writer.files,
    }
    data = json.dumps(manifest, indent=1, sort_keys=True).encode()
    if not (out / MANIFEST).is_file() or (out / MANIFEST).read_bytes() != data:
        Writer(out, {}, BuildResult(out_dir=out)).write(Page(MANIFEST, data))
    result.released = {n.slug: n.released_by for n in sites if n.released_by is not None}
    result.seconds = time.perf_counter() - clock
    result.build_id = SiteBuild.objects.create(
        campaign=campaign,
        started_at=started,
        finished_at=timezone.now(),
        out_dir=str(out),
        base_url=options.base_url,
        pages_written=result.pages_written,
        pages_unchanged=result.pages_unchanged,
        pages_removed=result.pages_removed,
        manifest_sha256=_sha(data),
        released=result.released,
        built_by=actor,
    ).pk
    return result
